//! CPU affinity for `bench renew --database-cpus`: the database server on some of the
//! machine's CPUs, the service and its load on the others — the shape of a deployment where
//! PostgreSQL has cores of its own (DEPLOYMENT.md), measured on one machine.

use anyhow::Context;
use rustix::process::Pid;
use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};

/// The CPUs this thread may run on, in order.
pub fn allowed() -> anyhow::Result<Vec<usize>> {
    let set = sched_getaffinity(None).context("reading this process's CPU affinity")?;
    Ok((0..CpuSet::MAX_CPU).filter(|c| set.is_set(*c)).collect())
}

fn set_of(cpus: &[usize]) -> anyhow::Result<CpuSet> {
    let mut set = CpuSet::new();
    for &c in cpus {
        anyhow::ensure!(c < CpuSet::MAX_CPU, "no CPU {c}");
        set.set(c);
    }
    Ok(set)
}

fn pid(raw: i32) -> anyhow::Result<Pid> {
    Pid::from_raw(raw).with_context(|| format!("no process {raw}"))
}

/// The threads of process `pid` (one for a single-threaded process).
fn threads_of(pid: i32) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The parent of process `pid`, from /proc.
pub fn parent_of(pid: i32) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|p| p.trim().parse().ok())
}

/// The processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| parent_of(*p) == Some(pid))
        .collect()
}

/// Every thread of this process on `cpus` (threads and processes started later inherit it).
pub fn pin_self(cpus: &[usize]) -> anyhow::Result<()> {
    let set = set_of(cpus)?;
    for t in threads_of(std::process::id() as i32) {
        // A thread that ended meanwhile has nothing to pin.
        if let Ok(p) = pid(t)
            && let Err(e) = sched_setaffinity(Some(p), &set)
            && e != rustix::io::Errno::SRCH
        {
            return Err(e).context("pinning this process's threads");
        }
    }
    Ok(())
}

/// A process and its children pinned to some CPUs; dropping it gives them back the CPUs the
/// root had (children started meanwhile included).
#[derive(Debug)]
pub struct PinnedTree {
    root: i32,
    before: CpuSet,
}

impl PinnedTree {
    /// Pins process `root`, every thread of it and of its children, to `cpus`. Children forked
    /// later inherit the root's affinity. Needs the right to change those processes' affinity
    /// (the same user, or CAP_SYS_NICE).
    pub fn pin(root: i32, cpus: &[usize]) -> anyhow::Result<PinnedTree> {
        let before = sched_getaffinity(Some(pid(root)?))
            .with_context(|| format!("reading the CPU affinity of process {root}"))?;
        let tree = PinnedTree { root, before };
        tree.apply(&set_of(cpus)?).with_context(|| {
            format!("pinning process {root} and its children to CPUs {cpus:?} (same user or CAP_SYS_NICE needed)")
        })?;
        Ok(tree)
    }

    fn apply(&self, set: &CpuSet) -> rustix::io::Result<()> {
        let mut procs = vec![self.root];
        procs.extend(children_of(self.root));
        for p in procs {
            for t in threads_of(p) {
                let Some(t) = Pid::from_raw(t) else { continue };
                match sched_setaffinity(Some(t), set) {
                    // A backend that ended meanwhile.
                    Ok(()) | Err(rustix::io::Errno::SRCH) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

impl Drop for PinnedTree {
    fn drop(&mut self) {
        if let Err(e) = self.apply(&self.before) {
            eprintln!(
                "could not give process {} and its children their CPUs back: {e}",
                self.root
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpus_of(pid: i32) -> Vec<usize> {
        let set = sched_getaffinity(Some(Pid::from_raw(pid).unwrap())).unwrap();
        (0..CpuSet::MAX_CPU).filter(|c| set.is_set(*c)).collect()
    }

    #[test]
    fn a_tree_is_pinned_to_the_cpus_named_and_gets_its_own_back() {
        let all = allowed().unwrap();
        let first = vec![all[0]];
        // A shell with a child of its own.
        let mut shell = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let root = shell.id() as i32;
        let child = (0..200)
            .find_map(|_| {
                std::thread::sleep(std::time::Duration::from_millis(10));
                children_of(root).first().copied()
            })
            .expect("the shell's child");
        assert_eq!(parent_of(child), Some(root));

        let pinned = PinnedTree::pin(root, &first).unwrap();
        assert_eq!(cpus_of(root), first);
        assert_eq!(cpus_of(child), first);
        drop(pinned);
        assert_eq!(cpus_of(root), all);
        assert_eq!(cpus_of(child), all);

        let _ = std::process::Command::new("kill")
            .arg(child.to_string())
            .status();
        let _ = shell.kill();
        let _ = shell.wait();
    }

    #[test]
    fn a_cpu_the_machine_cannot_have_is_refused() {
        assert!(set_of(&[CpuSet::MAX_CPU]).is_err());
        assert!(PinnedTree::pin(std::process::id() as i32, &[CpuSet::MAX_CPU]).is_err());
    }
}
