#!/usr/bin/env bash
# Runs play.yml once per authentication mode at -vvvv, each log to its own file, then scan.yml looks for every secret
# in the logs and in the results the plays saved. Credentials of the env-based modes come from this process's
# environment, as AWX injects them: the task keyword `environment:` would put them on the EXEC lines Ansible prints.
# ansible-test sets OUTPUT_DIR and INVENTORY_PATH and passes its verbosity as the arguments.
set -eu -o pipefail

# The plays include the kf_sim role, a sibling target (ansible-test sets no roles path for runme.sh targets).
export ANSIBLE_ROLES_PATH=..

# The secrets (the default scenario's, tests/simulator/README.md), read by the plays with lookup('env').
export SECRETS_PASSWORD='S3cret-approver1!'
export SECRETS_CLIENT_SECRET='S3cret-kf-approver-client!'
export SECRETS_WRONG_PASSWORD='Wr0ng-passw0rd-5150!'
export SECRETS_PROXY_PASSWORD='Pr0xy-passw0rd-7070!'

verbosity=("$@")

# The four modes run at the same time, each with a simulator of its own; a failed play's log is shown.
run_mode() {
    local mode=$1
    shift
    if ! env "$@" ansible-playbook -i "${INVENTORY_PATH}" -e "secrets_dir=${OUTPUT_DIR}" -e "secrets_mode=${mode}" -vvvv play.yml \
            > "${OUTPUT_DIR}/log-${mode}.txt" 2>&1; then
        cat "${OUTPUT_DIR}/log-${mode}.txt"
        echo "the ${mode} play failed"
        return 1
    fi
}

run_mode basic_domain &
basic_domain=$!
run_mode basic_upn KEYFACTOR_USERNAME=approver1@keyexample.com KEYFACTOR_PASSWORD="${SECRETS_PASSWORD}" &
basic_upn=$!
run_mode oauth KEYFACTOR_AUTH_CLIENT_ID=kf-approver-client KEYFACTOR_AUTH_CLIENT_SECRET="${SECRETS_CLIENT_SECRET}" &
oauth=$!
run_mode bearer &
bearer=$!
failed=0
for pid in "${basic_domain}" "${basic_upn}" "${oauth}" "${bearer}"; do
    wait "${pid}" || failed=1
done
[ "${failed}" -eq 0 ]

ansible-playbook -i "${INVENTORY_PATH}" -e "secrets_dir=${OUTPUT_DIR}" "${verbosity[@]}" scan.yml
