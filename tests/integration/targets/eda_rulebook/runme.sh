#!/usr/bin/env bash
# The example rulebook run by the real ansible-rulebook against the simulator over TLS. The first ansible-rulebook
# approves what is pending at its start, then each request that becomes pending (during.yml checks each within 3
# intervals); a second ansible-rulebook, started like the first (emit_existing true), approves nothing twice
# (verify.yml). ansible-test sets OUTPUT_DIR and INVENTORY_PATH and passes its verbosity as the arguments.
set -eu -o pipefail

# The plays include the kf_sim role, a sibling target (ansible-test sets no roles path for runme.sh targets).
export ANSIBLE_ROLES_PATH=..
state="${OUTPUT_DIR}/kf_sim.json"
verbosity=("$@")
# Each approval is an ansible-playbook run (several seconds on a busy machine): 3 intervals leave it 2 of them.
interval=8
playbook() {
    ansible-playbook -i "${INVENTORY_PATH}" -e "eda_dir=${OUTPUT_DIR}" -e "eda_interval=${interval}" "${verbosity[@]}" "$@"
}

# ansible-rulebook runs the action's playbook through ansible-runner, with ansible-playbook from this venv.
python -m pip install --disable-pip-version-check -q 'ansible-rulebook>=1.1,<2'
python_path=$(python -c 'import sys; print(sys.executable)')
cat > "${OUTPUT_DIR}/rulebook-inventory.yml" <<INVENTORY
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: ${python_path}
INVENTORY
cat > "${OUTPUT_DIR}/rulebook-vars.yml" <<VARS
kf_definition_name: Web Server Enrollment Approval
kf_title_pattern: 'requester is enrolling'
kf_interval: ${interval}
VARS

playbook start.yml
rulebook_pid=""
stop_rulebook() {
    if [ -n "${rulebook_pid}" ]; then
        kill -TERM "${rulebook_pid}" 2>/dev/null || true
        wait "${rulebook_pid}" 2>/dev/null || true
        rulebook_pid=""
    fi
}
trap 'stop_rulebook; playbook -e "@${state}" ../kf_sim/playbooks/stop.yml' EXIT

# The connection as the modules take it: KEYFACTOR_* variables (an EDA Controller credential injects the same).
read -r host ca_cert < <(python -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["kf_sim_host"], d["kf_sim_ca_cert"])' "${state}")
export KEYFACTOR_HOSTNAME="${host}" KEYFACTOR_CA_CERT="${ca_cert}" KEYFACTOR_USERNAME='KEYEXAMPLE\approver1'
export KEYFACTOR_PASSWORD='S3cret-approver1!'

# start_rulebook RUN: ansible-rulebook in the background, its output in rulebook-RUN.log.
start_rulebook() {
    python -m ansible_rulebook -i "${OUTPUT_DIR}/rulebook-inventory.yml" --rulebook keyfactor.command.approve_pending \
        --vars "${OUTPUT_DIR}/rulebook-vars.yml" -v > "${OUTPUT_DIR}/rulebook-$1.log" 2>&1 &
    rulebook_pid=$!
}
show_logs() {
    for log in "${OUTPUT_DIR}"/rulebook-*.log; do
        echo "=== ${log}"
        cat "${log}"
    done
}

start_rulebook 1
playbook -e "@${state}" during.yml || { show_logs; exit 1; }
stop_rulebook

playbook -e "@${state}" mark.yml
start_rulebook 2
playbook -e "@${state}" -e "@${OUTPUT_DIR}/mark.json" second.yml || { show_logs; exit 1; }
stop_rulebook

playbook -e "@${state}" -e "@${OUTPUT_DIR}/mark.json" verify.yml || { show_logs; exit 1; }
# The rulebooks' logs (the source's own lines included) never show the password.
if grep -F -e "${KEYFACTOR_PASSWORD}" "${OUTPUT_DIR}"/rulebook-*.log; then
    echo "the password is in a rulebook log"
    exit 1
fi
