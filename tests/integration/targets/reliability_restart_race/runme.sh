#!/usr/bin/env bash
# Two ansible-playbook processes restart the same 50 Failed instances at the same moment, with the same user; then a
# third run; then verify.yml checks the results and the simulator's audit. ansible-test sets OUTPUT_DIR and
# INVENTORY_PATH and passes its verbosity as the arguments.
set -eu -o pipefail

# The plays include the kf_sim role, a sibling target (ansible-test sets no roles path for runme.sh targets).
export ANSIBLE_ROLES_PATH=..
state="${OUTPUT_DIR}/kf_sim.json"
verbosity=("$@")
playbook() {
    ansible-playbook -i "${INVENTORY_PATH}" -e "race_dir=${OUTPUT_DIR}" "${verbosity[@]}" "$@"
}

playbook start.yml
trap 'playbook -e "@${state}" ../kf_sim/playbooks/stop.yml' EXIT

# Each run writes ready-N once it is about to restart, then waits for the file go: both restart at the same moment.
pids=()
for run in 1 2; do
    playbook -e "@${state}" -e "race_run=${run}" -e race_barrier=true restart.yml > "${OUTPUT_DIR}/run-${run}.log" 2>&1 &
    pids+=("$!")
done
for _ in $(seq 120); do
    ready=$(find "${OUTPUT_DIR}" -maxdepth 1 -name 'ready-*' | wc -l)
    [ "${ready}" -eq 2 ] && break
    sleep 0.5
done
touch "${OUTPUT_DIR}/go"

failed=0
for run in 1 2; do
    if ! wait "${pids[$((run - 1))]}"; then
        echo "run ${run} failed:"
        failed=1
    fi
    cat "${OUTPUT_DIR}/run-${run}.log"
done
[ "${failed}" -eq 0 ]

playbook -e "@${state}" -e race_run=3 -e race_barrier=false restart.yml
playbook -e "@${state}" verify.yml
