# The groups of a CI run and their time budget; sourced by .ci/run (and by CiGroupsTest).
#
#   group NAME COMMAND [ARG...]  runs COMMAND as the group NAME and prints
#                                "ci: NAME <seconds> s (<tests> tests)"; COMMAND is a program or a
#                                function of this shell (run in a child bash, set -euo pipefail)
#   ci_summary                   prints every group's line again and the total; returns the first
#                                failing group's status, or 1 when the run went over its budget
#
# A group's tests are counted from the JUnit XML reports (TEST-*.xml) it writes anywhere under
# target/ (Surefire's target/surefire-reports*/; a pytest group can pass --junitxml=target/...).
# The first group that fails ends the run: the later groups are not started.
#
# Budget: the whole run may take CI_BUDGET_SECONDS (default 4500 s, 75 minutes, well inside CI's
# 90-minute limit). A group still running when the budget is spent is stopped (SIGTERM to its
# process group, SIGKILL 30 s later) and the run fails with a message naming the slowest group,
# instead of being cut off silently by CI's time-out.

CI_BUDGET_SECONDS=${CI_BUDGET_SECONDS:-4500}
ci_started=$SECONDS
ci_names=()
ci_seconds=()
ci_lines=()
ci_tests=0
ci_stopped=""
ci_status=0

# The tests in the JUnit XML reports under target/ written after the file $1.
ci_tests_since() {
  local marker=$1 total=0 n f
  [[ -d target ]] || { echo 0; return; }
  while IFS= read -r -d '' f; do
    n=$(grep -o -m1 '<testsuite [^>]*' "$f" | grep -o ' tests="[0-9]*"' | grep -o '[0-9]\+' || true)
    total=$((total + ${n:-0}))
  done < <(find target -name 'TEST-*.xml' -newer "$marker" -print0 2>/dev/null)
  echo "$total"
}

ci_slowest() {
  local i best=0
  for i in "${!ci_names[@]}"; do
    ((ci_seconds[i] > ci_seconds[best])) && best=$i
  done
  echo "${ci_names[best]} (${ci_seconds[best]} s)"
}

group() {
  local name=$1
  shift
  if ((ci_status != 0)); then
    echo "ci: $name not run (an earlier group failed)"
    return 0
  fi
  local left=$((CI_BUDGET_SECONDS - (SECONDS - ci_started)))
  local cmd=("$@")
  if declare -F "$1" >/dev/null; then
    export -f "$1"
    cmd=(bash -euo pipefail -c '"$@"' "$1" "$@")
  fi
  local marker start rc=0
  marker=$(mktemp)
  start=$SECONDS
  echo "ci: $name: $*"
  if ((left > 0)); then
    timeout --kill-after=30 "$left" "${cmd[@]}" || rc=$?
  else
    rc=124
  fi
  local took=$((SECONDS - start))
  local tests
  tests=$(ci_tests_since "$marker")
  rm -f "$marker"
  ci_tests=$((ci_tests + tests))
  ci_names+=("$name")
  ci_seconds+=("$took")
  local line="ci: $name $took s"
  ((tests > 0)) && line+=" ($tests tests)"
  if ((rc == 124 || rc == 137)) && ((SECONDS - ci_started >= CI_BUDGET_SECONDS)); then
    line+=" (stopped: over budget)"
    ci_stopped=$name
    ci_status=124
  elif ((rc != 0)); then
    line+=" (exit $rc)"
    ci_status=$rc
  fi
  ci_lines+=("$line")
  # On a line of its own even when the command's output did not end with one (Maven's last
  # colour reset).
  printf '\n%s\n' "$line"
}

ci_summary() {
  local total=$((SECONDS - ci_started)) line
  echo "ci: summary"
  for line in "${ci_lines[@]}"; do
    echo "$line"
  done
  echo "ci: total $total s ($ci_tests tests), budget $CI_BUDGET_SECONDS s"
  if [[ -n $ci_stopped ]] || ((total > CI_BUDGET_SECONDS)); then
    echo "ci: FAILED: over budget: the run took $total s of its $CI_BUDGET_SECONDS s" \
      "(CI_BUDGET_SECONDS)${ci_stopped:+ and group $ci_stopped was stopped};" \
      "slowest group: $(ci_slowest)" >&2
    return 1
  fi
  return "$ci_status"
}
