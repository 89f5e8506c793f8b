#!/bin/sh
# As the official image: options alone mean redis-server; as root, drop to the user `redis`.
set -e
[ "${1#-}" != "$1" ] && set -- redis-server "$@"
if [ "$1" = redis-server ]; then
  # The official image builds Redis with protected mode off; Debian's has it on. A config file, when
  # given, must stay the first argument; options after it override it.
  shift
  if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then conf=$1; shift; set -- redis-server "$conf" --protected-mode no "$@"
  else set -- redis-server --protected-mode no "$@"; fi
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
