#!/bin/sh
# kafka-run-class.sh CLASS ARGS...: a JVM with Kafka's jars, as the real script (heap from KAFKA_HEAP_OPTS).
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} \
  "-Dlog4j.configuration=file:${KAFKA_LOG4J_CONFIG:-/opt/kafka/config/tools-log4j.properties}" \
  -cp '/opt/kafka/libs/*' "$@"
