#!/usr/bin/env bash
# The topics the services share, one per line, as the code names them (`Modular.Host.dll list-topics`,
# MessagingTopology.SharedTopics): the scripts start the test broker with these instead of repeating the list.
# Builds the host first (Debug; a no-op when it is up to date).
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=topics
. scripts/lib.sh
build_log=$(dotnet build src/Host -v q --nologo 2>&1) || { printf '%s\n' "$build_log" >&2; die "the host does not build"; }
dotnet src/Host/bin/Debug/net10.0/Modular.Host.dll list-topics
