# Two commands do all the set-up on a fresh Debian machine with the .NET SDK:
#   make run    PostgreSQL + Redis (installed if missing), then all three modules in one process on :3000
#   make test   the fast unit tier, then the same services and the whole integration suite
#   make split  the same build as separate services over Kafka (the test broker), gateways on :3000 and :3001
#   make reliability  the fault suite with more bursts; writes docs/reliability.md
#   make bench  the performance goals' figures as ratios to baselines of the same run (docs/performance.md)
#   make image  the Docker image of this commit, tagged with its sha (`make image-tag` prints the tag)
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Development defaults for local runs only (scripts/dev-env.sh); the operator's environment wins.
DEV_ENV := . scripts/dev-env.sh

# Starts (or reuses) the services and exports the URLs they print.
SERVICES := set -a && eval "$$(bash scripts/services.sh)" && set +a
# The topics the services share, as the host lists them, created before any consumer starts.
TOPICS := $$(bash scripts/shared-topics.sh)

.PHONY: services run split test reliability bench build publish image image-tag clean

services:
	@bash scripts/services.sh

build:
	dotnet build Modular.sln

run:
	@$(SERVICES) && $(DEV_ENV) && dotnet run --project src/Host

# The split topology without Docker: test broker, user-service, notification-service, gateways on :3000 and :3001.
split:
	@bash scripts/split.sh

# A fresh Kafka test broker per run: its state lives in memory and tests expect none from earlier runs.
# The fast tier first (no service, seconds: tests/Modular.UnitTests), then the deployment files, then the integration
# suite against real PostgreSQL, Redis, SMTP and the Kafka test broker.
test:
	@dotnet test tests/Modular.UnitTests
	@bash scripts/check-deployment.sh
	@$(SERVICES) && bash scripts/kafka-test-broker.sh --stop && \
	  export TEST_$$(bash scripts/kafka-test-broker.sh $(TOPICS)) && \
	  dotnet test tests/Modular.Tests

# The fault suite alone, with more bursts per fault than `make test` runs; writes docs/reliability.md.
reliability:
	@$(SERVICES) && bash scripts/kafka-test-broker.sh --stop && \
	  export TEST_$$(bash scripts/kafka-test-broker.sh $(TOPICS)) && \
	  RELIABILITY_BURSTS=$${RELIABILITY_BURSTS:-3} RELIABILITY_CLIENTS=$${RELIABILITY_CLIENTS:-8} \
	  RELIABILITY_REPORT=$(CURDIR)/docs/reliability.md \
	  dotnet test tests/Modular.Tests --filter "FullyQualifiedName~Modular.Tests.Reliability" --logger "console;verbosity=normal"

# Ratios to a bare Kestrel endpoint and the raw hash rate, one process and split, in cgroups with the seed's limits;
# its own databases, Redis db and test broker (.data/bench), so it runs beside `make test`.
bench:
	@bash scripts/bench.sh

# The Release output the image carries (pre-generated Wolverine code), into .data/publish.
publish:
	bash scripts/publish.sh .data/publish

# One tag per build: the commit's sha, so a node never runs a stale image under a reused tag; -dirty when the
# work tree differs from the commit. IMAGE is the repository to push to (kubernetes/kustomization.yaml's newName).
IMAGE ?= modular
TAG ?= $(shell git rev-parse --short=12 HEAD)$(shell git diff --quiet HEAD -- || echo -dirty)

image-tag:
	@echo $(TAG)

image:
	docker build -f docker/Dockerfile -t $(IMAGE):$(TAG) .
	@echo "built $(IMAGE):$(TAG); push it, then: (cd kubernetes && kustomize edit set image modular=$(IMAGE):$(TAG))"

clean:
	dotnet clean Modular.sln
	rm -rf .data
