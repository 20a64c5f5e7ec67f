# shellcheck shell=bash
# Sourced by the runme.sh of the race targets: start the simulator with start.yml, run a playbook in several
# ansible-playbook processes at the same moment, stop the simulator on exit. ansible-test sets OUTPUT_DIR and
# INVENTORY_PATH and passes its verbosity as the arguments of runme.sh (give them to race_setup).

# The plays include the kf_sim role, a sibling target (ansible-test sets no roles path for runme.sh targets).
export ANSIBLE_ROLES_PATH=..
race_state="${OUTPUT_DIR}/kf_sim.json"
race_verbosity=()

playbook() {
    ansible-playbook -i "${INVENTORY_PATH}" -e "race_dir=${OUTPUT_DIR}" "${race_verbosity[@]}" "$@"
}

# race_setup VERBOSITY...: start the simulator (start.yml saves its details) and stop it when the script exits.
race_setup() {
    race_verbosity=("$@")
    playbook start.yml
    trap 'playbook -e "@${race_state}" ../kf_sim/playbooks/stop.yml' EXIT
}

# race RUNS PLAYBOOK: run PLAYBOOK in RUNS processes (race_run=1..RUNS). Each writes ready-N once it is about to act,
# then waits for the file go, so that all act at the same moment. Fails when any run failed, after showing each log.
race() {
    local runs=$1 play=$2 run failed=0 pids=()
    for run in $(seq "${runs}"); do
        playbook -e "@${race_state}" -e "race_run=${run}" -e race_barrier=true "${play}" \
            > "${OUTPUT_DIR}/run-${run}.log" 2>&1 &
        pids+=("$!")
    done
    for _ in $(seq 120); do
        [ "$(find "${OUTPUT_DIR}" -maxdepth 1 -name 'ready-*' | wc -l)" -eq "${runs}" ] && break
        sleep 0.5
    done
    touch "${OUTPUT_DIR}/go"
    for run in $(seq "${runs}"); do
        if ! wait "${pids[$((run - 1))]}"; then
            echo "run ${run} failed:"
            failed=1
        fi
        cat "${OUTPUT_DIR}/run-${run}.log"
    done
    [ "${failed}" -eq 0 ]
}
