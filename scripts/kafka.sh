#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, 127.0.0.1:9092 by default) for trying Bicycle's examples:
# scripts/kafka.sh start|stop|restart|status|reset. Needs Java 17+ and Maven; see scripts/kafka/cli.ts.
set -euo pipefail
exec bun "$(dirname "$0")/kafka/cli.ts" "$@"
