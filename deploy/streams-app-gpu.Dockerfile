# GPU variant of the streams-app image: UNTESTED here (no GPU, no Docker engine on our build machines).
# Builds with the Maven profile `gpu` (TensorFlow natives classifier linux-x86_64-gpu) on a CUDA runtime base.
# Build from the repository root:  docker build -f deploy/streams-app-gpu.Dockerfile -t streaming-bert/streams-app:0.1.0-gpu .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The build context is the repository root; .dockerignore keeps target/ and .git out of it.
COPY . .
RUN mvn -B -q -Dmaven.test.skip=true -Pgpu -pl streams-app -am package

FROM nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /app /var/lib/streams-app /checkpoints \
 && chown -R app:app /app /var/lib/streams-app /checkpoints
COPY --from=build /src/streams-app/target/streams-app.jar /app/streams-app.jar
USER 10001:10001
WORKDIR /app
# Two glibc malloc arenas: with the default (8 per core) the resident memory kept growing by 36-70 MB/h in 30-minute
# soaks with rollouts every 3 minutes; with 2 it was flat from minute 20 to 40 (docs/reliability.md, "Soak").
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    MALLOC_ARENA_MAX=2 \
    KAFKA_STATE_DIR=/var/lib/streams-app \
    NLP_MODEL_CACHE_DIR=/var/lib/streams-app/models \
    NLP_HTTP_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/ready || exit 1
ENTRYPOINT ["java", "-jar", "/app/streams-app.jar"]
CMD ["run", "--config", "/etc/streams-app/app.properties"]
