#!/usr/bin/env bash
# Runs the whole stack. Local mode (model server + backend on this machine) and Kind mode are
# added by their issues; today this builds the model repository, the first step of both.
set -euo pipefail
cd "$(dirname "$0")"
pnpm install --frozen-lockfile
pnpm model:ensure
