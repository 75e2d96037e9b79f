#!/usr/bin/env python3
"""Fails on an #include that points up (or sideways in) the layer order of src/layers.txt.

Usage: scripts/check_layers.py [SRC_DIR]   (default: src/ beside this script's folder)

Every file under SRC_DIR/<layer>/ may include its own layer's headers and those of the layers
its line in layers.txt names, transitively. Includes that name no layer (system and library
headers in quotes do not occur here) are ignored. Prints each offending line and exits 1, or
prints a one-line summary and exits 0."""
import os
import re
import sys

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'src')
table = {}
with open(os.path.join(src, 'layers.txt')) as f:
    for line in f:
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        layer, _, below = line.partition(':')
        table[layer.strip()] = below.split()
for layer, below in table.items():
    for b in below:
        if b not in table:
            sys.exit('layers.txt: %s builds on %s, which is no layer' % (layer, b))


def closure(layer, seen=None):
    seen = set() if seen is None else seen
    for b in table[layer]:
        if b not in seen:
            seen.add(b)
            closure(b, seen)
    return seen


allowed = {layer: closure(layer) | {layer} for layer in table}
# Longest layer name first, so that bindings/http wins over a shorter prefix.
by_length = sorted(table, key=len, reverse=True)


def layer_of(path):
    for layer in by_length:
        if path == layer or path.startswith(layer + '/'):
            return layer
    return None


include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
problems, files = [], 0
for root, _, names in os.walk(src):
    for name in sorted(names):
        if not name.endswith(('.h', '.cc')):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, src).replace(os.sep, '/')
        own = layer_of(os.path.dirname(rel))
        if own is None:
            problems.append('%s: in no layer of layers.txt' % rel)
            continue
        files += 1
        with open(path, errors='replace') as f:
            for n, text in enumerate(f, 1):
                m = include.match(text)
                if not m:
                    continue
                target = layer_of(os.path.dirname(m.group(1)))
                if target is not None and target not in allowed[own]:
                    problems.append('%s:%d: %s (layer %s) may not include %s (layer %s)' %
                                    (rel, n, own, own, m.group(1), target))
for p in problems:
    print(p)
if problems:
    print('layer check: %d include(s) against the layer order of src/layers.txt' % len(problems))
    sys.exit(1)
print('layer check: %d files, every include follows src/layers.txt' % files)
