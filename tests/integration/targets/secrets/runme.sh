#!/usr/bin/env bash
# Runs play.yml once per authentication mode, at -vvvv and at the default verbosity, each log to its own file; then
# scan.yml looks for every secret, in every form it could leak in, in the logs and in the results the plays saved.
# Credentials of the env-based modes come from this process's environment, as AWX injects them: the task keyword
# `environment:` would put them on the EXEC lines Ansible prints at -vvvv. Two modes also reach the simulator through
# a proxy that needs a password, named by HTTPS_PROXY or all_proxy.
# ansible-test sets OUTPUT_DIR and INVENTORY_PATH and passes its verbosity as the arguments.
set -eu -o pipefail

# The plays include the kf_sim role, a sibling target (ansible-test sets no roles path for runme.sh targets).
export ANSIBLE_ROLES_PATH=..

# The secrets. SECRETS_PASSWORD and SECRETS_CLIENT_SECRET are those of user approverq and client kf-quirky-client of
# tests/simulator/scenarios/secrets.yaml (the plays fail if they are not): like the others, they hold characters that
# escaping, quoting and encoding change. The proxy password holds an unencoded @.
export SECRETS_PASSWORD=$'Qu"o\'te\\Back/sl+sh %41&<é>€@!'
export SECRETS_CLIENT_SECRET=$'Cl"ie\'nt\\Sec/re+t %41&<ü>€@!'
export SECRETS_WRONG_PASSWORD=$'Wr0ng\\pa"ss w0rd-5150!'
export SECRETS_PROXY_PASSWORD='Pr0xy@pass!w0rd-7070'
export SECRETS_GATEWAY_CREDENTIAL=$'Gw-Cr3d"ent\\ial-4711'
# The logins the Basic credential may be built from (the domain before a backslash, as sent; and as typed).
export SECRETS_LOGINS=$'KEYEXAMPLE\\approverq\nkeyexample.com\\approverq\napproverq@keyexample.com\napproverq'
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy

free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_mode MODE VERBOSITY PROXY_VARIABLE [VARIABLE=VALUE ...]: one play, its log shown if it fails. The simulator's
# proxy listens on a port chosen here, so that PROXY_VARIABLE (when not empty) can name it before the play starts.
run_mode() {
    local mode=$1 verbosity=$2 proxy_variable=$3 port run
    shift 3
    port=$(free_port)
    run="${mode}-${verbosity:-default}"
    run=${run/--vvvv/-vvvv}
    local proxy=()
    [ -z "${proxy_variable}" ] || proxy=("${proxy_variable}=http://proxyuser:${SECRETS_PROXY_PASSWORD}@127.0.0.1:${port}")
    if ! env "$@" ${proxy[@]+"${proxy[@]}"} ansible-playbook -i "${INVENTORY_PATH}" -e "secrets_dir=${OUTPUT_DIR}" \
            -e "secrets_mode=${mode}" -e "secrets_run=${run}" -e "secrets_proxy_port=${port}" \
            -e "secrets_proxy_variable=${proxy_variable}" ${verbosity} play.yml > "${OUTPUT_DIR}/log-${run}.txt" 2>&1; then
        cat "${OUTPUT_DIR}/log-${run}.txt"
        echo "the ${run} play failed"
        return 1
    fi
}

# One verbosity: the four modes at the same time, each with a simulator (and proxy) of its own.
run_all_modes() {
    local verbosity=$1 pids=() failed=0
    run_mode basic_domain "${verbosity}" "" & pids+=($!)
    run_mode basic_upn "${verbosity}" "" KEYFACTOR_USERNAME=approverq@keyexample.com KEYFACTOR_PASSWORD="${SECRETS_PASSWORD}" &
    pids+=($!)
    run_mode oauth "${verbosity}" HTTPS_PROXY KEYFACTOR_AUTH_CLIENT_ID=kf-quirky-client \
        KEYFACTOR_AUTH_CLIENT_SECRET="${SECRETS_CLIENT_SECRET}" & pids+=($!)
    run_mode bearer "${verbosity}" all_proxy & pids+=($!)
    for pid in "${pids[@]}"; do
        wait "${pid}" || failed=1
    done
    return "${failed}"
}

failed=0
run_all_modes -vvvv || failed=1
run_all_modes "" || failed=1
# The scan runs after a failed play too: what a play printed before it failed counts as much.
ansible-playbook -i "${INVENTORY_PATH}" -e "secrets_dir=${OUTPUT_DIR}" "$@" scan.yml || failed=1
exit "${failed}"
