/**
 * Stand-ins for the commands that cannot run here (docker, kind, kubectl, helm): small executables on PATH
 * that record every invocation (arguments and the HELM_* environment) and answer by rules, first match wins
 * (or run a script, for commands that stay up such as a port-forward or a watch):
 * the boundary where the scripts' commands and their parsing of the output are tested.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StubRule {
  command: string;
  /** Extended regular expression (bash `=~`) over the arguments joined by spaces. */
  args: string;
  stdout?: string;
  exit?: number;
  /** Instead of answering: run this bash script (with the arguments as $@), e.g. to stay up like a watch. */
  run?: string;
}

export interface Stubs {
  bin: string;
  /** PATH with the stand-ins first. */
  path: string;
  /** Every invocation so far: "<command> <arguments>". */
  calls(): string[];
  /** The HELM_* environment of each helm invocation. */
  helmEnvironments(): string[];
  cleanup(): void;
}

const stubScript = `#!/usr/bin/env bash
name=$(basename "$0")
printf '%s\\n' "$name $*" >>"$STUB_DIR/calls.log"
# Like the real commands, read a manifest given on stdin to the end (a writer cut off early dies of SIGPIPE).
if [[ " $* " == *" -f - "* ]]; then cat >/dev/null; fi
if [ "$name" = helm ]; then
  printf '%s %s %s\\n' "\${HELM_CONFIG_HOME:-}" "\${HELM_CACHE_HOME:-}" "\${HELM_DATA_HOME:-}" >>"$STUB_DIR/helm-env.log"
fi
args="$*"
while IFS=$'\\x1f' read -r command pattern code output run; do
  [ "$command" = "$name" ] || continue
  if [[ "$args" =~ $pattern ]]; then
    printf '%b' "$output"
    [ -z "$run" ] || exec bash -c "$(printf '%b' "$run")" "$name" "$@"
    exit "$code"
  fi
done <"$STUB_DIR/rules.tsv"
exit 0
`;

export function stubCommands(commands: string[], rules: StubRule[]): Stubs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detection-stubs-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const script = stubScript.replaceAll('$STUB_DIR', dir);
  for (const command of commands) fs.writeFileSync(path.join(bin, command), script, { mode: 0o755 });
  const escapeField = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
  fs.writeFileSync(
    path.join(dir, 'rules.tsv'),
    rules
      .map(
        (rule) =>
          `${[rule.command, rule.args, String(rule.exit ?? 0), escapeField(rule.stdout ?? ''), escapeField(rule.run ?? '')].join('\x1f')}\n`,
      )
      .join(''),
  );
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
  fs.writeFileSync(path.join(dir, 'helm-env.log'), '');
  const lines = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean);
  return {
    bin,
    path: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    calls: () => lines('calls.log'),
    helmEnvironments: () => lines('helm-env.log'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * What kubectl answers to `run_all_k8s.sh --verify` in a healthy cluster: the predictor at zero when counted,
 * then one running pod for the plain-text checks; from the probe pods, plain text reset and RBAC denials;
 * from the backend pod, `backendToPredictor` (the answer of the URL `k8s status` prints).
 */
export function verifyClusterRules(backendToPredictor = 'HTTP 200 {"ready":true}\n'): StubRule[] {
  return [
    { command: 'kubectl', args: 'get namespace detection$' },
    {
      command: 'kubectl',
      args: 'get deployment backend -o jsonpath',
      stdout: 'kind.local/detection-backend:0.1.0-abc',
    },
    { command: 'kubectl', args: 'get pods -l serving.kserve.io/inferenceservice=detector -o name$' },
    {
      command: 'kubectl',
      args: 'get pods -l serving.kserve.io/inferenceservice=detector -o jsonpath',
      stdout: '10.244.0.17\n',
    },
    {
      command: 'kubectl',
      args: 'exec -i verify-no-sidecar .* http://10\\.244\\.0\\.17:',
      stdout: 'ERROR ECONNRESET read ECONNRESET\n',
    },
    {
      command: 'kubectl',
      args: 'exec -i verify-no-sidecar .*backend\\.detection',
      stdout: 'ERROR UND_ERR_SOCKET other side closed\n',
    },
    { command: 'kubectl', args: 'exec -i verify-no-sidecar ', stdout: 'HTTP 403 RBAC: access denied\n' },
    { command: 'kubectl', args: 'exec -i verify-sidecar ', stdout: 'HTTP 403 RBAC: access denied\n' },
    { command: 'kubectl', args: 'exec -i deploy/backend ', stdout: backendToPredictor },
  ];
}
