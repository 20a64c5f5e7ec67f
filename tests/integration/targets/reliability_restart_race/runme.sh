#!/usr/bin/env bash
# Two ansible-playbook processes restart the same 50 Failed instances at the same moment, with the same user; then a
# third run; then verify.yml checks the results and the simulator's audit.
set -eu -o pipefail
source ../kf_sim/files/race.sh

race_setup "$@"
race 2 restart.yml
playbook -e "@${race_state}" -e race_run=3 -e race_barrier=false restart.yml
playbook -e "@${race_state}" verify.yml
