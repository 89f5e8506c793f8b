#!/bin/sh
# As the official image: options alone mean redis-server; as root, drop to the user `redis`.
set -e
[ "${1#-}" != "$1" ] && set -- redis-server "$@"
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no --bind '* -::*' "$@"
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
