// The floor for reading a snapshot: stream the file and parse every integer in
// it, storing nothing. Built by benchmark/heapdiff.js with plain `rustc -O`.
use std::io::Read;

fn main() {
    let mut buf = vec![0u8; 1 << 18];
    let (mut count, mut sum, mut cur, mut in_num) = (0u64, 0u64, 0u64, false);
    for path in std::env::args().skip(1) {
        let mut file = std::fs::File::open(&path).expect("open");
        loop {
            let n = file.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                let d = b.wrapping_sub(b'0');
                if d < 10 {
                    cur = cur.wrapping_mul(10).wrapping_add(d as u64);
                    in_num = true;
                } else if in_num {
                    sum = sum.wrapping_add(cur);
                    count += 1;
                    cur = 0;
                    in_num = false;
                }
            }
        }
    }
    // Peak RSS in KB, for the benchmark's table.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    // CPU seconds (utime + stime, in clock ticks of 1/100 s on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    let cpu = (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0;
    println!("{{\"numbers\":{count},\"sum\":{sum},\"maxRSS\":{hwm},\"cpu\":{cpu}}}");
}
