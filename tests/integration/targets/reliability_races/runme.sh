#!/usr/bin/env bash
# Four ansible-playbook processes approve the same 100 instances at the same moment, with the same user; then a fifth
# run; then verify.yml checks the results and the simulator's audit.
set -eu -o pipefail
source ../kf_sim/files/race.sh

race_setup "$@"
race 4 approve.yml
playbook -e "@${race_state}" -e race_run=5 -e race_barrier=false approve.yml
playbook -e "@${race_state}" verify.yml
