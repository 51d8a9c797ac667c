# LLMux — build, run, test. Every target finds a JDK >= 21 by itself (JAVA_HOME, then the newest /usr/lib/jvm/*).
SHELL := /bin/bash
.DEFAULT_GOAL := build

CONFIG ?= config/config.yaml
JAR := target/llmux.jar

# First JAVA_HOME if it is >= 21, else the newest JDK >= 21 under /usr/lib/jvm.
JDK := $(shell \
  ver() { "$$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }; \
  ok() { [ -x "$$1/bin/javac" ] && v=$$(ver "$$1") && [ "$${v%%.*}" -ge 21 ] 2>/dev/null; }; \
  if [ -n "$$JAVA_HOME" ] && ok "$$JAVA_HOME"; then echo "$$JAVA_HOME"; exit; fi; \
  best=; bestv=0; \
  for d in /usr/lib/jvm/*; do \
    [ -d "$$d" ] && [ ! -L "$$d" ] && ok "$$d" || continue; v=$$(ver "$$d"); v=$${v%%.*}; \
    if [ "$$v" -gt "$$bestv" ]; then best=$$d; bestv=$$v; fi; \
  done; echo "$$best")

ifeq ($(JDK),)
$(error No JDK 21 or newer found: set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. apt-get install openjdk-21-jdk-headless))
endif

export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)
# Maven's own bundled Guava calls sun.misc.Unsafe; JDK 23+ warns about it on every run unless told otherwise.
JDK_MAJOR := $(shell "$(JDK)/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
ifeq ($(shell [ "$(JDK_MAJOR)" -ge 23 ] && echo yes),yes)
export MAVEN_OPTS := $(MAVEN_OPTS) --sun-misc-unsafe-memory-access=allow
endif
MVN := mvn -B -q -ntp -Dstyle.color=never

SOURCES := $(shell find src/main -type f 2>/dev/null) pom.xml

.PHONY: bench-spend build run test coverage lint fmt check bench clean jdk

build: $(JAR) bin/llmux

$(JAR): $(SOURCES)
	$(MVN) package -DskipTests
	@touch $(JAR)

bin/llmux: src/main/scripts/llmux.sh
	@mkdir -p bin
	cp src/main/scripts/llmux.sh bin/llmux
	chmod +x bin/llmux

run: build
	"$(JDK)/bin/java" -jar $(JAR) --config $(CONFIG)

test:
	$(MVN) verify

coverage:
	$(MVN) -P coverage verify
	@awk -F, 'NR>1 { m += $$8; c += $$9 } END { if (m + c) printf "coverage: %.1f%% of lines (%d of %d); report: target/site/jacoco/index.html\n", 100 * c / (m + c), c, m + c }' target/site/jacoco/jacoco.csv

lint:
	$(MVN) spotless:check
	$(MVN) -Dllmux.werror=-Werror clean test-compile

fmt:
	$(MVN) spotless:apply

check: lint test
	LLMUX_JAVA="$(JDK)/bin/java" .ci/check-metrics

# The side-by-side benchmark (bench/README.md): direct path vs LLMux, same run. SCENARIOS="seed overhead" to pick.
SCENARIOS ?= seed overhead router anthropic stream memory
bench: $(JAR)
	BENCH_OUT=$(CURDIR)/bench/results LLMUX_HOME=$(CURDIR) LLMUX_JAVA="$(JDK)/bin/java" bench/run.sh --target llmux $(SCENARIOS)

# Spend rows per second the batch writer stores, against the local PostgreSQL (DB_* to point elsewhere) and H2.
bench-spend:
	$(MVN) test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
	"$(JDK)/bin/java" -cp target/test-classes:target/classes:$$(cat target/bench-classpath.txt) io.llmux.bench.SpendWriterBench

clean:
	$(MVN) clean
	rm -rf bin

jdk:
	@echo "$(JDK) (Java $(JDK_MAJOR))"
