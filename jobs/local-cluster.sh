#!/usr/bin/env bash
# jobs/local-cluster.sh start|stop|status: a Spark standalone cluster on this machine, 127.0.0.1 only: one master and
# SINKSCOPE_CLUSTER_WORKERS (2) workers, each its own JVM, from the project's Maven class path (target/classpath.txt).
#
#   jobs/local-cluster.sh start     # prints the master URL, e.g. spark://127.0.0.1:41234
#   SPARK_HOME=target/local-cluster/spark-home SPARK_MASTER=spark://127.0.0.1:41234 jobs/submit.sh \
#       --properties-file conf/local-cluster.properties -- pipeline
#   jobs/local-cluster.sh stop
#
# SPARK_HOME is assembled under the state folder: jars/ links every jar of target/classpath.txt except the ones the
# uber-jar carries (DJL, the charts), an empty RELEASE file (else Spark's launcher looks for a source build's assembly/),
# and bin/spark-class + bin/spark-submit, which run Spark's own launcher as a distribution's scripts do. Workers run with
# SPARK_SCALA_VERSION=2.13 (the launcher builds each executor's command and needs it) and SPARK_LOCAL_IP=127.0.0.1.
#
# start is idempotent: it starts whatever of the cluster is not running (a worker that died is started again) and
# prints the master URL. stop ends every process of the cluster with its children (TERM, then KILL after 10 s) and
# removes the workers' folders (executors' working directories). status prints each process and exits 1 when one is
# down, 3 when nothing runs.
#
# Settings (environment):
#   SINKSCOPE_CLUSTER_DIR      state folder: spark-home/, logs, pid files, workers' folders (target/local-cluster)
#   SINKSCOPE_CLUSTER_WORKERS  number of workers (2)
#   SINKSCOPE_WORKER_CORES     cores each worker offers (1)
#   SINKSCOPE_WORKER_MEMORY    memory each worker offers to executors (4g)
#   SINKSCOPE_MASTER_PORT      the master's port (0: a free one)
#   SINKSCOPE_CLUSTER_WATCH_PID  stop the cluster when this process ends (the test harness passes its own pid)
#   SPARK_WORKER_OPTS, SPARK_MASTER_OPTS, SPARK_DAEMON_MEMORY  as in a Spark distribution (e.g. worker GPU resources:
#     SPARK_WORKER_OPTS="-Dspark.worker.resource.gpu.amount=2 -Dspark.worker.resource.gpu.discoveryScript=/path/gpus.sh");
#     each worker has SINKSCOPE_WORKER_INDEX (1..N) in its environment for such a script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${SINKSCOPE_CLUSTER_DIR:-$ROOT/target/local-cluster}"
WORKERS="${SINKSCOPE_CLUSTER_WORKERS:-2}"
CORES="${SINKSCOPE_WORKER_CORES:-1}"
MEMORY="${SINKSCOPE_WORKER_MEMORY:-4g}"
HOME_DIR="$DIR/spark-home"
export SPARK_HOME="$HOME_DIR" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_DAEMON_MEMORY="${SPARK_DAEMON_MEMORY:-512m}"
# jobs are submitted in client mode: no REST submission server (it would take the fixed port 6066)
export SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false ${SPARK_MASTER_OPTS:-}"

alive() { [[ -f "$DIR/$1.pid" ]] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

# A Spark distribution made of links to the Maven class path, and the two launcher scripts of one.
assemble() {
    local cp_file="$ROOT/target/classpath.txt"
    if [[ ! -f "$cp_file" ]]; then
        echo "local-cluster: building target/classpath.txt" >&2
        (cd "$ROOT" && { mvn -q -B -o -DskipTests package >/dev/null 2>&1 || mvn -q -B -DskipTests package; }) >&2
    fi
    rm -rf "$HOME_DIR/jars"
    mkdir -p "$HOME_DIR/jars" "$HOME_DIR/bin"
    tr ':' '\n' <"$cp_file" | grep -v -e '/ai/djl/' -e '/org/jfree/' | while read -r jar; do
        [[ -n "$jar" ]] && ln -sf "$jar" "$HOME_DIR/jars/"
    done
    : >"$HOME_DIR/RELEASE"
    cat >"$HOME_DIR/bin/spark-class" <<'EOF'
#!/usr/bin/env bash
# written by jobs/local-cluster.sh: Spark's launcher builds the command (JVM options, --add-opens, class path), as a
# distribution's bin/spark-class does
SPARK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SPARK_HOME SPARK_SCALA_VERSION="${SPARK_SCALA_VERSION:-2.13}"
RUNNER="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# the launcher prints messages as lines, then a NUL line, then the command's arguments NUL-separated
CMD=()
DELIM=$'\n'
STARTED=false
while IFS= read -d "$DELIM" -r ARG; do
    if [[ "$STARTED" == true ]]; then
        CMD+=("$ARG")
    elif [[ -z "$ARG" ]]; then # the NUL line (bash drops the NUL)
        DELIM=''
        STARTED=true
    elif [[ -n "$ARG" ]]; then
        echo "$ARG"
    fi
done < <("$RUNNER" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main "$@"; printf '%d\0' $?)
LAST=$((${#CMD[@]} - 1))
[[ "${CMD[$LAST]}" == 0 ]] || exit "${CMD[$LAST]}"
exec "${CMD[@]:0:$LAST}"
EOF
    cat >"$HOME_DIR/bin/spark-submit" <<'EOF'
#!/usr/bin/env bash
# written by jobs/local-cluster.sh
exec "$(dirname "${BASH_SOURCE[0]}")/spark-class" org.apache.spark.deploy.SparkSubmit "$@"
EOF
    chmod +x "$HOME_DIR/bin/spark-class" "$HOME_DIR/bin/spark-submit"
}

# waits up to 60 s for a line in a log; fails naming the log
await() {
    local log="$1" pattern="$2" name="$3"
    for _ in $(seq 600); do
        grep -q "$pattern" "$log" 2>/dev/null && return 0
        alive "$name" || { echo "local-cluster: $name exited, see $log:" >&2; tail -20 "$log" >&2; return 1; }
        sleep 0.1
    done
    echo "local-cluster: $name did not log '$pattern' within 60 s, see $log" >&2
    return 1
}

# starts a daemon through bin/spark-class (exec: the pid is the JVM's)
daemon() {
    local name="$1"
    shift
    mkdir -p "$DIR/logs"
    nohup "$HOME_DIR/bin/spark-class" "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$DIR/$name.pid"
}

# every descendant of a pid, deepest first
tree() {
    local child
    for child in $(pgrep -P "$1" || true); do
        tree "$child"
        echo "$child"
    done
}

# TERM then, after 10 s, KILL a process and its descendants
end() {
    local pid="$1" pids
    pids="$(tree "$pid") $pid"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 $pids 2>/dev/null || return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}

start() {
    mkdir -p "$DIR"
    if ! alive master; then
        assemble
        rm -f "$DIR/master-url"
        daemon master org.apache.spark.deploy.master.Master \
            --host 127.0.0.1 --port "${SINKSCOPE_MASTER_PORT:-0}" --webui-port 0
        await "$DIR/logs/master.log" "Starting Spark master at spark://" master
        sed -n 's/.*Starting Spark master at \(spark:\/\/[^ ]*\).*/\1/p' "$DIR/logs/master.log" | head -1 >"$DIR/master-url"
    fi
    local url i
    url="$(cat "$DIR/master-url")"
    for i in $(seq "$WORKERS"); do
        if ! alive "worker-$i"; then
            mkdir -p "$DIR/worker-$i"
            SINKSCOPE_WORKER_INDEX="$i" daemon "worker-$i" org.apache.spark.deploy.worker.Worker "$url" --host 127.0.0.1 \
                --cores "$CORES" --memory "$MEMORY" --work-dir "$DIR/worker-$i" --webui-port 0
        fi
    done
    for i in $(seq "$WORKERS"); do
        await "$DIR/logs/worker-$i.log" "Successfully registered with master" "worker-$i"
    done
    if [[ -n "${SINKSCOPE_CLUSTER_WATCH_PID:-}" ]] && ! alive watch; then
        local self="${BASH_SOURCE[0]}" watched="$SINKSCOPE_CLUSTER_WATCH_PID"
        nohup bash -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; exec "$1" stop' "$watched" "$self" \
            >"$DIR/logs/watch.log" 2>&1 </dev/null &
        echo $! >"$DIR/watch.pid"
    fi
    echo "local-cluster: up; submit with SPARK_HOME=$HOME_DIR SPARK_MASTER=$url jobs/submit.sh --properties-file conf/local-cluster.properties -- pipeline" >&2
    echo "$url"
}

stop() {
    local pidfile name
    for pidfile in "$DIR"/worker-*.pid "$DIR/master.pid"; do
        [[ -f "$pidfile" ]] || continue
        name="$(basename "$pidfile" .pid)"
        alive "$name" && end "$(cat "$pidfile")"
        rm -f "$pidfile"
    done
    rm -rf "$DIR"/worker-*/ "$DIR/master-url"
    # the watcher last: it may be the one calling stop
    if [[ -f "$DIR/watch.pid" ]]; then
        [[ "$(cat "$DIR/watch.pid")" != "$$" ]] && kill "$(cat "$DIR/watch.pid")" 2>/dev/null || true
        rm -f "$DIR/watch.pid"
    fi
    echo "local-cluster: stopped"
}

status() {
    local any=0 down=0 name i
    for name in master $(for i in $(seq "$WORKERS"); do echo "worker-$i"; done); do
        if alive "$name"; then
            any=1
            echo "$name: running (pid $(cat "$DIR/$name.pid"))"
        else
            down=1
            echo "$name: not running"
        fi
    done
    [[ -f "$DIR/master-url" ]] && echo "master URL: $(cat "$DIR/master-url")"
    [[ $any == 1 ]] || exit 3
    [[ $down == 0 ]] || exit 1
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: jobs/local-cluster.sh start|stop|status (settings: see the header of $0)" >&2; exit 2 ;;
esac
