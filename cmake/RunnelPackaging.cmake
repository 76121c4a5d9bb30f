# The Debian package, runnel_<version>_<arch>.deb (`make deb`; CPack's DEB generator): both
# binaries, the default configs as conffiles, the systemd units, docs and example configs. The
# maintainer scripts (the runnel user, /var/lib/runnel, /var/log/runnel) are in packaging/debian/.
# These install rules describe the package: /etc and /lib/systemd are absolute, the rest is under
# RUNNEL_PACKAGE_PREFIX (/usr), which the units' ExecStart= names too.

set(RUNNEL_PACKAGE_PREFIX /usr)
set(RUNNEL_DEB_MAINTAINER "runnel maintainers <maintainers@runnel.example>"
    CACHE STRING "The Maintainer field of the Debian package")
set(RUNNEL_DEB_HOMEPAGE "" CACHE STRING "The Homepage field of the Debian package (none if empty)")

set(_pkg_src ${PROJECT_SOURCE_DIR}/packaging)
set(_pkg_gen ${PROJECT_BINARY_DIR}/packaging)

# The units: one template, one unit per binary.
set(_role_description_agent "collects this host's logs and ships them")
set(_role_description_aggregator "receives logs from agents and delivers them to stores")
foreach(RUNNEL_ROLE IN ITEMS agent aggregator)
  set(RUNNEL_BINARY runnel-${RUNNEL_ROLE})
  set(RUNNEL_UNIT runnel-${RUNNEL_ROLE}.service)
  set(RUNNEL_UNIT_DESCRIPTION "${_role_description_${RUNNEL_ROLE}}")
  configure_file(${_pkg_src}/systemd/runnel.service.in ${_pkg_gen}/systemd/${RUNNEL_UNIT} @ONLY)
endforeach()

# The Debian changelog's newest entry must be this version; it is shipped gzip -9n (no name, no
# time stamp in the header), as Debian policy wants.
file(STRINGS ${_pkg_src}/debian/changelog _changelog_head LIMIT_COUNT 1)
if(NOT _changelog_head MATCHES "^runnel \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/debian/changelog starts with '${_changelog_head}', not version "
                      "${PROJECT_VERSION} of project(): add an entry for it")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_pkg_src}/debian/changelog)
execute_process(COMMAND gzip -9nc ${_pkg_src}/debian/changelog
                OUTPUT_FILE ${_pkg_gen}/changelog.gz RESULT_VARIABLE _gzip_result)
if(NOT _gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip packaging/debian/changelog: ${_gzip_result}")
endif()

file(WRITE ${_pkg_gen}/conffiles "/etc/runnel/agent.toml\n/etc/runnel/aggregator.toml\n")

set(_read_only OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES conf/agent.toml conf/aggregator.toml DESTINATION /etc/runnel PERMISSIONS ${_read_only})
install(FILES ${_pkg_gen}/systemd/runnel-agent.service ${_pkg_gen}/systemd/runnel-aggregator.service
        DESTINATION /lib/systemd/system PERMISSIONS ${_read_only})
install(FILES README.md docs/configuration.md docs/operations.md ${_pkg_src}/debian/copyright
              ${_pkg_gen}/changelog.gz
        DESTINATION share/doc/runnel PERMISSIONS ${_read_only})
install(FILES conf/examples/apache.toml conf/examples/backfill.toml conf/examples/forward.toml
              conf/examples/generate.toml conf/examples/http.toml conf/examples/journald.toml
        DESTINATION share/doc/runnel/examples PERMISSIONS ${_read_only})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME runnel)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${RUNNEL_PACKAGE_PREFIX})
set(CPACK_PACKAGE_CONTACT "${RUNNEL_DEB_MAINTAINER}")
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE RUNNEL_DEB_ARCH
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${RUNNEL_DEB_ARCH})
set(RUNNEL_DEB_FILE runnel_${PROJECT_VERSION}_${RUNNEL_DEB_ARCH}.deb)  # what cpack makes
set(CPACK_DEBIAN_FILE_NAME ${RUNNEL_DEB_FILE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RUNNEL_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(RUNNEL_DEB_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${RUNNEL_DEB_HOMEPAGE}")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "log collection agent and aggregator")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "runnel-agent tails files and listens on sockets, parses and enriches records
through a pipeline of plugins, and delivers them to files, stores and
aggregators without losing a record it has read. runnel-aggregator receives
from agents over the Fluent Forward protocol and delivers to the stores.
.
This package installs both, their default configurations in /etc/runnel and
systemd units (not enabled), and creates the runnel system user.")
# Depends: the shared libraries' packages (dpkg-shlibdeps), adduser for postinst and procps for
# the units' ExecReload=/bin/kill.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_pkg_gen}/conffiles ${_pkg_src}/debian/postinst ${_pkg_src}/debian/prerm
    ${_pkg_src}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
