# syntax=docker/dockerfile:1
# LLMux image (SPEC §11): `docker build -t llmux .` then `docker run -p 8080:8080 llmux`, or with your own config:
# `docker run -p 8080:8080 -v $(pwd)/config:/config llmux`. The image's default config (a copy of config/config.yaml)
# answers through the built-in mock provider with no variable set; real providers switch on with their keys
# (-e OPENAI_API_KEY=...).

# ---- build: the shaded jar, target/llmux.jar ----
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
# The dependencies get a layer of their own, so editing sources does not download them again.
COPY .mvn/ .mvn/
COPY pom.xml ./
RUN mvn -B -ntp -q dependency:go-offline
COPY src/ src/
RUN mvn -B -ntp -DskipTests package

# ---- runtime: a JRE and the jar, run as a user that owns nothing but the data folder ----
FROM eclipse-temurin:21-jre
LABEL org.opencontainers.image.title="llmux" \
      org.opencontainers.image.description="LLM gateway: one OpenAI-compatible API in front of many providers" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 llmux \
 && useradd --system --uid 10001 --gid llmux --home-dir /app --no-create-home --shell /usr/sbin/nologin llmux \
 && mkdir -p /app/data /config \
 && chown llmux:llmux /app/data
WORKDIR /app
COPY --from=build /build/target/llmux.jar /app/llmux.jar
COPY config/config.yaml /config/config.yaml
# Main reads $LLMUX_CONFIG when no --config is given; the embedded database (database.type embedded) writes under
# /app/data, the one folder this user may write.
ENV LLMUX_CONFIG=/config/config.yaml
USER 10001:10001
EXPOSE 8080
# Through the JVM already in the image (no curl to ship): --healthcheck asks /health/live on the config's port and
# exits 0 or 1. A small, quick JVM: it runs every 30s beside the gateway. The first probe comes 30s after start, so
# the gateway (up in a second or two) needs no --start-period.
HEALTHCHECK --interval=30s --timeout=10s --retries=3 \
  CMD ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m", "-XX:-UsePerfData", "-jar", "/app/llmux.jar", "--healthcheck"]
# SIGTERM drains (SPEC §1): the exec form makes the JVM PID 1, so the signal reaches it rather than a shell.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/llmux.jar"]
