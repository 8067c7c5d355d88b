# A one-node Slurm on localhost for the Slurm array test (sim/tests/slurm.rs): Debian's
# slurm-wlm with munge authentication, a slurm.conf for this machine's cores and memory,
# slurmctld and slurmd started unless already running. Exports MYNAFIDO_SLURM=1 when sinfo
# answers; under CI=true the test fails without it.
need_deb slurm-wlm munge
mynafido_slurm_conf=/etc/slurm/slurm.conf
mynafido_node=$(hostname -s)
mynafido_cpus=$(nproc)
mynafido_mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > "$mynafido_slurm_conf.new" <<CONF
# Written by scripts/setup.d/40-slurm.sh: one node, this machine.
ClusterName=mynafido
SlurmctldHost=$mynafido_node
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$mynafido_node NodeAddr=127.0.0.1 CPUs=$mynafido_cpus RealMemory=$mynafido_mem State=UNKNOWN
PartitionName=local Nodes=$mynafido_node Default=YES MaxTime=INFINITE State=UP
CONF
if ! cmp -s "$mynafido_slurm_conf.new" "$mynafido_slurm_conf"; then
    mv "$mynafido_slurm_conf.new" "$mynafido_slurm_conf"
else
    rm -f "$mynafido_slurm_conf.new"
fi
if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
for mynafido_i in $(seq 1 30); do
    if sinfo -h -o %T 2>/dev/null | grep -Eq 'idle|mixed|alloc'; then
        export MYNAFIDO_SLURM=1
        break
    fi
    scontrol update nodename="$mynafido_node" state=resume >/dev/null 2>&1 || true
    sleep 1
done
[ "${MYNAFIDO_SLURM:-}" = 1 ] || echo "40-slurm.sh: Slurm did not come up (see /var/log/slurm/)" >&2
