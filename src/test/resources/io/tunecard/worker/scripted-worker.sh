#!/usr/bin/env bash
# A worker child for the protocol tests that misbehaves the ways a Python worker can:
# usage: scripted-worker.sh <command> <spec.json>, behaviour from $SCRIPT.
started='{"event":"started","engine":"hf","device":"cpu","pid":'$$',"total_steps":10,"resumed_from":null}'
case "${SCRIPT:-}" in
  garbage)
    echo "$started"
    echo 'Loading checkpoint shards: 100%|##########| 2/2 [00:01<00:00]'
    sleep 20 ;;
  unknown_event)
    echo "$started"
    echo '{"event":"bogus","step":1}'
    sleep 20 ;;
  cuda_oom)
    echo "$started"
    echo 'Traceback (most recent call last):' >&2
    echo '  File "/src/tunecard_worker/train.py", line 210, in train_step' >&2
    echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.06 GiB is free.' >&2
    exit 1 ;;
  no_module)
    echo "/usr/bin/python3: Error while finding module specification for 'tunecard_worker' (ModuleNotFoundError: No module named 'tunecard_worker')" >&2
    exit 1 ;;
  kill9)
    echo "$started"
    kill -9 $$ ;;
  exit0)
    echo "$started"
    exit 0 ;;
  *)
    echo "scripted-worker.sh: unknown SCRIPT '${SCRIPT:-}'" >&2
    exit 64 ;;
esac
