#!/usr/bin/env bash
# Runs the gateway's route files with Camel JBang (`camel run`, Vert.x HTTP, no Spring Boot) - the same way
# JBangRunIT does, without needing the `camel` launcher installed. Next to a Spring Boot gateway (port 8080, its
# local Elasticsearch on 9200), see docs/running.md:
#   PORT=8081 ELASTICSEARCH_URL=http://127.0.0.1:9200 \
#     WHATSAPP_APP_SECRET=test-secret WHATSAPP_VERIFY_TOKEN=test-verify-token WAHA_WEBHOOK_HMAC_KEY=test-secret \
#     PERISKOPE_SIGNING_SECRET=test-secret UNIPILE_WEBHOOK_SECRET=test-secret \
#     scripts/camel-run.sh [more camel run options]
# A PORT already in use stops the run at once (exit 2, one line); an OutOfMemoryError ends the JVM.
# Every variable of application.yaml works as under Spring Boot (application.yaml is converted to the properties
# file Camel JBang takes: target/camel-run.properties). There is no local Elasticsearch here: ELASTICSEARCH_URL is
# required (start one with `./mvnw spring-boot:run` once, or use any cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ELASTICSEARCH_URL:?set ELASTICSEARCH_URL (camel run starts no Elasticsearch)}"

# the project's classes and launcher, and the runtime classpath minus Spring Boot (KameletMain brings Vert.x HTTP)
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/camel-run.classpath
CP="target/classes:target/test-classes:$(tr ':' '\n' < target/camel-run.classpath \
  | grep -v -E '/(spring-boot[^/]*|camel-spring[^/]*|[^/]*-starter-[^/]*|spring-web[^/]*|log4j-to-slf4j[^/]*|wiremock[^/]*)\.jar$' \
  | paste -sd: -)"

java -cp "$CP" io.wagateway.ops.JBangProperties application.yaml > target/camel-run.properties
exec java -XX:+ExitOnOutOfMemoryError -Dlogback.configurationFile=scripts/camel-run-logback.xml -cp "$CP" io.wagateway.ops.JBangLauncher run routes/*.camel.yaml routes/flows/*.camel.yaml \
  --name=whatsapp-gateway --port="${PORT:-8080}" --properties=target/camel-run.properties "$@"
