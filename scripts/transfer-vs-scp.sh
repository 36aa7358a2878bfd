#!/usr/bin/env bash
# File transfer beside scp, on loopback: `chat-load transfer` (a file up to chat-server and
# down again over TLS, chat latency timed alongside), then scp of a file of the same size
# to localhost and back through a private sshd, with scp's default cipher and with
# AES-128-GCM, the cipher closest to the AES-GCM that TLS uses.
#
#   bash scripts/transfer-vs-scp.sh          # MIB=1024 RUNS=2 WINDOW=16 PORT=2222
#   DATA_ROOT=/tmp bash scripts/transfer-vs-scp.sh   # the files on the disk instead
#
# The sshd runs on 127.0.0.1:$PORT from a temporary directory under /tmp (its config, host
# key and the client's key; nothing of the system's sshd or ~/.ssh is read or changed, and
# /run/sshd, which sshd requires, is made only if missing and removed again). The files
# transferred, by both, live under $DATA_ROOT, /dev/shm by default: a RAM-backed tmpfs, so
# that both measure the transfer rather than the disk, and so that a nearly full disk is
# not filled further (3 GiB at most, with MIB=1024). Everything started and written is
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

MIB=${MIB:-1024}
RUNS=${RUNS:-2}
WINDOW=${WINDOW:-16}
PORT=${PORT:-2222}
DATA_ROOT=${DATA_ROOT:-/dev/shm}

conf=$(mktemp -d /tmp/transfer-vs-scp.XXXXXX)
data=$(mktemp -d "$DATA_ROOT/transfer-vs-scp.XXXXXX")
sshd_pid=
made_run_sshd=
# The private sshd's client side: no user config, no known_hosts but ours.
ssh_opts=(-F /dev/null -i "$conf/client_key" -o IdentitiesOnly=yes -o BatchMode=yes
    -o UserKnownHostsFile="$conf/known_hosts" -o StrictHostKeyChecking=no -o LogLevel=ERROR)
cleanup() {
    if [[ -n $sshd_pid ]]; then
        kill "$sshd_pid" 2>/dev/null || true
        wait "$sshd_pid" 2>/dev/null || true
    fi
    rm -rf "$conf" "$data"
    if [[ -n $made_run_sshd ]]; then
        rmdir /run/sshd 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sshd and scp, from Debian's packages when missing.
install_ssh() {
    if [[ ! -x /usr/sbin/sshd || ! -x /usr/bin/scp ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server openssh-client >/dev/null
    fi
}

# A private sshd in the foreground of a background job, key login for root only.
start_sshd() {
    ssh-keygen -q -t ed25519 -N '' -f "$conf/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$conf/client_key"
    cp "$conf/client_key.pub" "$conf/authorized_keys"
    cat >"$conf/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $conf/host_key
PidFile $conf/sshd.pid
AuthorizedKeysFile $conf/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
    # sshd insists on its privilege separation directory.
    if [[ ! -d /run/sshd ]]; then
        mkdir -p /run/sshd
        made_run_sshd=1
    fi
    /usr/sbin/sshd -D -e -f "$conf/sshd_config" 2>"$conf/sshd.log" &
    sshd_pid=$!
    for _ in $(seq 100); do
        if ssh "${ssh_opts[@]}" -p "$PORT" root@127.0.0.1 true 2>/dev/null; then
            return
        fi
        sleep 0.1
    done
    echo "sshd did not start:" >&2
    cat "$conf/sshd.log" >&2
    exit 1
}

# CPU seconds of a process and of its children it has reaped (sshd reaps each session,
# and the session its sftp-server), from /proc/PID/stat.
cpu_s() {
    awk '{ sub(/^.*\) /, ""); print ($12 + $13 + $14 + $15) / 100 }' "/proc/$1/stat"
}

# Copies $2 to $3 with scp and cipher $1 (empty: scp's default); prints one JSON line with
# the wall time, MiB/s, scp's own CPU (with its ssh) and sshd's CPU (with sftp-server).
timed_scp() {
    local cipher=$1 from=$2 to=$3 direction=$4 cipher_opt=()
    [[ -n $cipher ]] && cipher_opt=(-c "$cipher")
    local before after
    before=$(cpu_s "$sshd_pid")
    /usr/bin/time -f '%e %U %S' -o "$conf/time" \
        scp -q "${ssh_opts[@]}" "${cipher_opt[@]}" -P "$PORT" "$from" "$to"
    after=$(cpu_s "$sshd_pid")
    read -r wall user sys <"$conf/time"
    awk -v dir="$direction" -v c="${cipher:-default}" -v mib="$MIB" -v wall="$wall" \
        -v cli="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
        -v srv="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" \
        'BEGIN { printf "{\"scenario\":\"scp\",\"direction\":\"%s\",\"cipher\":\"%s\",\"file_mib\":%d,\"seconds\":%.2f,\"mib_per_s\":%.2f,\"scp_cpu_s\":%.2f,\"sshd_cpu_s\":%.2f}\n", dir, c, mib, wall, mib / wall, cli, srv }'
}

# What every scp pays before its first byte: connecting, key exchange and login.
timed_ssh_setup() {
    /usr/bin/time -f '%e' -o "$conf/time" ssh "${ssh_opts[@]}" -p "$PORT" root@127.0.0.1 true
    printf '{"scenario":"ssh-setup","seconds":%s}\n' "$(cat "$conf/time")"
}

# A file of pseudo-random bytes up to localhost and down again, its bytes compared.
scp_round_trip() {
    local cipher=$1 source="$data/source.bin" remote="$data/remote.bin" back="$data/back.bin"
    timed_scp "$cipher" "$source" "root@127.0.0.1:$remote" up
    timed_scp "$cipher" "root@127.0.0.1:$remote" "$back" down
    if ! cmp -s "$source" "$back"; then
        echo "scp brought back different bytes" >&2
        exit 1
    fi
    rm -f "$remote" "$back"
}

install_ssh
cargo build --release -p chat-server -p chat-tests
start_sshd
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$data/source.bin"

echo "# $(date -Is) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
# The first transfer of a session writes into memory the VM has not touched for a while,
# which costs the kernel about a second more per GiB, whoever writes; it is shown, not
# counted, so that the first of the compared programs is not the one that pays for it.
echo "# warm-up, not counted"
TMPDIR="$data" target/release/chat-load transfer --mib "$MIB" --window "$WINDOW" | tail -n 1
for run in $(seq "$RUNS"); do
    echo "# run $run"
    TMPDIR="$data" target/release/chat-load transfer --mib "$MIB" --window "$WINDOW" | tail -n 1
    timed_ssh_setup
    scp_round_trip ""
    scp_round_trip aes128-gcm@openssh.com
done
