#!/bin/sh
# As the real image: every KAFKA_* variable but the JVM ones is a broker setting (KAFKA_ dropped,
# lower case, `___` → `-`, `__` → `_`, `_` → `.`); CLUSTER_ID formats the storage on first start.
set -e
props=/opt/kafka/config/server.properties
: >"$props"
env | grep '^KAFKA_' | while IFS= read -r line; do
  name=${line%%=*} value=${line#*=}
  case "$name" in
    KAFKA_VERSION|KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_GC_LOG_OPTS|KAFKA_JMX_*|KAFKA_LOG4J_*|KAFKA_TOOLS_*) continue ;;
  esac
  key=$(printf '%s' "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed 's/___/-/g; s/__/@/g; s/_/./g; s/@/_/g')
  printf '%s=%s\n' "$key" "$value" >>"$props"
done
grep -q '^log.dirs=' "$props" || echo "log.dirs=/tmp/kraft-combined-logs" >>"$props"
kafka-storage.sh format -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props" --ignore-formatted
export KAFKA_LOG4J_CONFIG=/opt/kafka/config/log4j.properties KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec kafka-run-class.sh kafka.Kafka "$props"
