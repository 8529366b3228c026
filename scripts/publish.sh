#!/usr/bin/env bash
# The Release build of the one host, as the image runs it: Wolverine's handler code pre-generated with
# `codegen write` and compiled in, so that Production (TypeLoadMode.Static) needs no compiler at run time.
# Used by docker/Dockerfile and by the tests of the published output (tests/Modular.Tests/Deployment).
#   [READY_TO_RUN=false] bash scripts/publish.sh OUTPUT_DIR
set -euo pipefail
out=$(realpath -m "${1:?usage: scripts/publish.sh OUTPUT_DIR}")
cd "$(dirname "$0")/.."
generated=src/Host/Internal/Generated
LOG_TAG=publish
. scripts/lib.sh

rm -rf "$generated"
log "building Release"
dotnet build src/Host -c Release -v q --nologo >&2

# `codegen write` builds the host without starting it: nothing is connected to, but the configuration must
# be valid. Once per role the deployment runs (the single process and the three services of the split one):
# an event that two modules handle is two handler chains in one process and one in another, so each role
# gets its own code, in a namespace of its own (ModularHost.UseModularMessaging; docs/adr/0007).
codegen() { # MODULES [KAFKA_BROKERS]
  (cd src/Host && env -u SMTP_URL -u ASPNETCORE_ENVIRONMENT -u DOTNET_ENVIRONMENT \
    MODULES="$1" KAFKA_BROKERS="${2:-}" \
    NODE_ENV=development \
    JWT_ACCESS_SECRET=codegen-only-access-secret-0123456789abcdef \
    JWT_REFRESH_SECRET=codegen-only-refresh-secret-0123456789abcdef \
    MESSAGE_ENCRYPTION_KEY=codegen-only-message-key-0123456789abcdef \
    DATABASE_URL=postgres://codegen:codegen@127.0.0.1:5432/codegen \
    REDIS_URL=redis://127.0.0.1:6379 \
    dotnet bin/Release/net10.0/Modular.Host.dll codegen write >&2)
}
log "generating Wolverine handler code for each role"
codegen gateway,users,notifications
for modules in gateway users notifications; do codegen "$modules" 127.0.0.1:9092; done

# A generated handler registry lists the handlers it found and Wolverine registers exactly those; without
# it each role discovers its own modules' handlers (MODULES) and loads their pre-generated code.
find "$generated" -name GeneratedHandlerRegistry.cs -delete

# ReadyToRun: the assemblies carry native code compiled ahead of time, so a start-up runs little of the JIT
# (cold start, docs/performance.md); the JIT still re-compiles hot methods with its profile once they run.
# READY_TO_RUN=false skips that compilation (90 of the 130 s of a publish from a fresh clone) and nothing else:
# the tests publish so, the image and the benchmark do not.
log "publishing to $out"
dotnet publish src/Host -c Release -o "$out" -v q --nologo -p:IncludeGeneratedCode=true \
  -r linux-x64 --self-contained false -p:PublishReadyToRun="${READY_TO_RUN:-true}" >&2
rm -rf "$generated"
log "done"
