//! The machine description that goes into the report: CPU model and logical CPU count from
//! `/proc/cpuinfo` (Linux proc(5)), the CPU features the crypto backends dispatch on, and the load
//! average from `/proc/loadavg`, since other work on the machine lowers every figure.

use std::fmt;

/// CPU features whose presence changes which code the backends run: AVX2, BMI2 and ADX for
/// P-256 and RSA big-number arithmetic, SHA-NI for SHA-256 (Intel SDM vol. 2 CPUID leaf 7).
pub const CRYPTO_FLAGS: [&str; 4] = ["avx2", "bmi2", "adx", "sha_ni"];

/// What the report says about the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// The first `model name` of `/proc/cpuinfo`, or `unknown CPU`.
    pub cpu_model: String,
    /// Logical CPUs the process may use.
    pub logical_cpus: usize,
    /// Which of [`CRYPTO_FLAGS`] the CPU reports.
    pub crypto_flags: Vec<&'static str>,
    /// `std::env::consts::ARCH` and `OS`.
    pub target: String,
}

impl Machine {
    /// Reads the description of this machine.
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let available = std::thread::available_parallelism().map_or(0, usize::from);
        Machine::from_cpuinfo(&cpuinfo, available)
    }

    /// Builds the description from the text of `/proc/cpuinfo`; `available` is the number of
    /// CPUs the process may run on (0 if unknown: the `processor` entries are counted instead).
    pub fn from_cpuinfo(cpuinfo: &str, available: usize) -> Machine {
        let field = |name: &str| {
            cpuinfo.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim() == name).then(|| v.trim().to_string())
            })
        };
        let processors = cpuinfo
            .lines()
            .filter(|l| {
                l.split_once(':')
                    .is_some_and(|(k, _)| k.trim() == "processor")
            })
            .count();
        let flags = field("flags").unwrap_or_default();
        let flags: Vec<&str> = flags.split_whitespace().collect();
        Machine {
            cpu_model: field("model name").unwrap_or_else(|| "unknown CPU".to_string()),
            logical_cpus: if available > 0 { available } else { processors },
            crypto_flags: CRYPTO_FLAGS
                .iter()
                .copied()
                .filter(|f| flags.contains(f))
                .collect(),
            target: format!("{} {}", std::env::consts::ARCH, std::env::consts::OS),
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = if self.crypto_flags.is_empty() {
            "none".to_string()
        } else {
            self.crypto_flags.join(" ")
        };
        write!(
            f,
            "{}, {} logical CPUs, {}, crypto CPU flags: {}",
            self.cpu_model, self.logical_cpus, self.target, flags
        )
    }
}

/// The 1-, 5- and 15-minute load averages of `/proc/loadavg`, if readable.
pub fn load_average() -> Option<[f64; 3]> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// Parses the first three fields of `/proc/loadavg` text.
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut it = text.split_whitespace().map(str::parse::<f64>);
    Some([it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Example CPU @ 2.00GHz
flags\t\t: fpu sse2 avx2 bmi2 adx
processor\t: 1
model name\t: Example CPU @ 2.00GHz
flags\t\t: fpu sse2 avx2 bmi2 adx
";

    #[test]
    fn reads_model_cpus_and_flags() {
        let m = Machine::from_cpuinfo(CPUINFO, 0);
        assert_eq!(m.cpu_model, "Example CPU @ 2.00GHz");
        assert_eq!(m.logical_cpus, 2);
        assert_eq!(m.crypto_flags, vec!["avx2", "bmi2", "adx"]);
        assert!(m.to_string().contains("2 logical CPUs"));
        // The affinity count wins over the cpuinfo count when known.
        assert_eq!(Machine::from_cpuinfo(CPUINFO, 1).logical_cpus, 1);
        let empty = Machine::from_cpuinfo("", 0);
        assert_eq!(empty.cpu_model, "unknown CPU");
        assert!(empty.to_string().contains("flags: none"));
    }

    #[test]
    fn loadavg() {
        assert_eq!(
            parse_loadavg("0.50 1.25 2.00 1/234 5678\n"),
            Some([0.5, 1.25, 2.0])
        );
        assert_eq!(parse_loadavg("0.50 x 2.00"), None);
        assert_eq!(parse_loadavg(""), None);
    }
}
