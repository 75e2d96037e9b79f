"""CoAP datagrams for the adversarial scripts (RFC 7252 §3): options in and out, nothing more.

Imported by the python3 parts of framing_coap_test.sh and exhaustion_coap_test.sh (their
directory is on sys.path through PYTHONPATH)."""
import struct


def ext(x):
    """An option delta or length as its 4-bit nibble and extended bytes."""
    if x < 13:
        return x, b''
    if x < 269:
        return 13, bytes([x - 13])
    return 14, struct.pack('>H', x - 269)


def encode(opts):
    """(number, bytes) pairs, in number order; repeated options keep their order (stable sort)."""
    out, last = b'', 0
    for n, v in sorted(opts, key=lambda o: o[0]):
        dn, de = ext(n - last)
        ln, le = ext(len(v))
        last = n
        out += bytes([dn << 4 | ln]) + de + le + v
    return out


def uint(v):
    """A CoAP uint option value: big-endian, no leading zero bytes."""
    b = b''
    while v:
        b, v = bytes([v & 0xff]) + b, v >> 8
    return b


def parse(d):
    """A datagram's type, code ("4.02") and options {number: value} (the last of repeats)."""
    pos, num, opts = 4 + (d[0] & 15), 0, {}
    while pos < len(d) and d[pos] != 0xff:
        h = d[pos]
        pos += 1

        def rd(nib):
            nonlocal pos
            if nib < 13:
                return nib
            if nib == 13:
                pos += 1
                return 13 + d[pos - 1]
            pos += 2
            return 269 + struct.unpack('>H', d[pos - 2:pos])[0]

        num += rd(h >> 4)
        ln = rd(h & 15)
        opts[num] = d[pos:pos + ln]
        pos += ln
    return ['CON', 'NON', 'ACK', 'RST'][(d[0] >> 4) & 3], '%d.%02d' % (d[1] >> 5, d[1] & 31), opts
