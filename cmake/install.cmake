# `cmake --install`: the trustcse binary, its systemd unit, system user, state directory, default
# configuration and documentation (docs/service.md). Included from the top-level CMakeLists.txt.
#   cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build &&
#   sudo cmake --install build        (DESTDIR=/tmp/stage cmake --install build to stage it)
include(GNUInstallDirs)

set(TRUSTCSE_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit goes (relative to CMAKE_INSTALL_PREFIX, or absolute)")
set(TRUSTCSE_SYSUSERSDIR "lib/sysusers.d" CACHE STRING
    "Where the sysusers.d file (the trustcse system user) goes")
set(TRUSTCSE_TMPFILESDIR "lib/tmpfiles.d" CACHE STRING
    "Where the tmpfiles.d file (/var/lib/trustcse) goes")

install(TARGETS trustcse RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit names the installed binary, configuration and documentation: dist/trustcse.service is
# written for a /usr install; other prefixes get their paths substituted.
set(_unit_src ${PROJECT_SOURCE_DIR}/dist/trustcse.service)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_unit_src})
file(READ ${_unit_src} _unit)
string(REPLACE "/usr/bin/trustcse" "${CMAKE_INSTALL_FULL_BINDIR}/trustcse" _unit "${_unit}")
string(REPLACE "/etc/trustcse/trustcse.toml"
       "${CMAKE_INSTALL_FULL_SYSCONFDIR}/trustcse/trustcse.toml" _unit "${_unit}")
string(REPLACE "/usr/share/doc/trustcse" "${CMAKE_INSTALL_FULL_DOCDIR}" _unit "${_unit}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/dist/trustcse.service CONTENT "${_unit}")
install(FILES ${PROJECT_BINARY_DIR}/dist/trustcse.service
        DESTINATION ${TRUSTCSE_SYSTEMD_UNITDIR})
install(FILES dist/trustcse.sysusers DESTINATION ${TRUSTCSE_SYSUSERSDIR} RENAME trustcse.conf)
install(FILES dist/trustcse.tmpfiles DESTINATION ${TRUSTCSE_TMPFILESDIR} RENAME trustcse.conf)

# The system configuration: installed once, never over one the operator has edited (file(INSTALL)
# adds DESTDIR itself).
set(_conf_dir "${CMAKE_INSTALL_FULL_SYSCONFDIR}/trustcse")
install(CODE "
  set(_dest \"\$ENV{DESTDIR}${_conf_dir}\")
  if(EXISTS \"\${_dest}/trustcse.toml\")
    message(STATUS \"Keeping: \${_dest}/trustcse.toml\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/dist/trustcse.toml\" DESTINATION \"${_conf_dir}\"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()")

install(FILES README.md SECURITY.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md"
        PATTERN "*.json")
