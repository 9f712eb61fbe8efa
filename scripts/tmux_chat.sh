#!/usr/bin/env bash
# Run the real chat (`qa chat`) in tmux, ask a question with send-keys, capture the pane and
# check that the answer (citation marker + expected text) appears. Prints the captured screen.
#
# Usage: scripts/tmux_chat.sh [QUESTION] [EXPECTED_TEXT]
#   env: QA_CHAT_CMD   command to run (default: "qa chat"; e.g. "python -m tests.tui.run_fake_chat")
#        TIMEOUT       seconds to wait for the answer (default 120: includes loading the model)
#        CAPTURE       file to also write the captured screen to (default: none)
#   QA_* settings (QA_INDEX, QA_DATA_DIR, ...) pass through to the app.
set -euo pipefail

QUESTION=${1:-怎样把意识形态工作责任制落到实处？}
EXPECTED=${2:-严格落实意识形态工作责任制}
CMD=${QA_CHAT_CMD:-qa chat}
TIMEOUT=${TIMEOUT:-120}
SESSION="qa-chat-$$"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color

if ! command -v tmux >/dev/null; then
    apt-get install -y tmux >/dev/null
fi

cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null || true; }
trap cleanup EXIT

capture() { tmux capture-pane -p -t "$SESSION" -J; }

wait_for() {  # wait_for SECONDS PATTERN...: all fixed strings present in the pane
    local deadline=$((SECONDS + $1)); shift
    while ((SECONDS < deadline)); do
        local screen ok=1
        screen=$(capture)
        for pattern in "$@"; do
            grep -qF -- "$pattern" <<<"$screen" || ok=0
        done
        ((ok)) && return 0
        sleep 0.5
    done
    return 1
}

tmux -u new-session -d -s "$SESSION" -x 120 -y 40 "cd '$PWD' && $CMD; echo '[qa chat exited]'; sleep 30"
if ! wait_for 30 "F1"; then
    capture; echo "FAIL: the chat window did not appear within 30 s" >&2; exit 1
fi
# Type the question literally (-l: CJK text is not parsed as key names), then Enter.
tmux send-keys -t "$SESSION" -l -- "$QUESTION"
tmux send-keys -t "$SESSION" Enter
if wait_for "$TIMEOUT" "[1]" "$EXPECTED"; then
    status=0; verdict="OK: the answer with citation [1] and \"$EXPECTED\" is on screen"
else
    status=1; verdict="FAIL: no answer with [1] and \"$EXPECTED\" within ${TIMEOUT} s"
fi
screen=$(capture)
printf '%s\n' "$screen"
[[ -n "${CAPTURE:-}" ]] && printf '%s\n' "$screen" >"$CAPTURE"
echo "$verdict"
tmux send-keys -t "$SESSION" C-q
exit $status
