//! The tokio peer of the W1-W6 workloads (docs/benchmarks.md).
//!
//!   peer-tokio W EXEC [N [M]]     W: W1 W2a W2b W3 W4 W5 W6;
//!                                 EXEC: current | multi (2 workers)
//!
//! Prints one line in the format of the acc programs of bench/ac, e.g.
//!   W1 peer=tokio exec=E tasks=N cpu_ns=X wall_ns=Y sum=S check=ok
//! CPU time is the whole process's (CLOCK_PROCESS_CPUTIME_ID, every thread)
//! per operation, taken around the timed part only, as acc's programs do.
//! The timed work runs in a spawned task (acc's `async main` is a task too).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn clock(id: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}
fn cpu_ns() -> f64 {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}
fn wall_ns() -> f64 {
    clock(libc::CLOCK_MONOTONIC)
}

/// Resident bytes now (/proc/self/statm) and the peak so far (ru_maxrss).
fn rss_bytes() -> i64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = s.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as i64
}
fn peak_rss_bytes() -> i64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    ru.ru_maxrss as i64 * 1024
}

fn arg(args: &[String], i: usize, def: i64) -> i64 {
    match args.get(i) {
        None => def,
        Some(s) => match s.parse::<i64>() {
            Ok(v) if v > 0 => v,
            _ => {
                eprintln!("peer-tokio: argument {}: expected a positive count, got '{}'", i, s);
                std::process::exit(2)
            }
        },
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAIL"
    }
}

/// W1: spawn n trivial tasks, then join each; the sum proves every one ran.
async fn w1(exec: &'static str, n: i64) -> String {
    let mut h = Vec::with_capacity(n as usize);
    let (c0, w0) = (cpu_ns(), wall_ns());
    for i in 0..n {
        h.push(tokio::spawn(async move { i }));
    }
    let mut sum = 0i64;
    for j in h {
        sum += j.await.unwrap();
    }
    let (c1, w1) = (cpu_ns(), wall_ns());
    format!(
        "W1 peer=tokio exec={} tasks={} cpu_ns={:.2} wall_ns={:.2} sum={} check={}",
        exec, n, (c1 - c0) / n as f64, (w1 - w0) / n as f64, sum,
        verdict(sum == n * (n - 1) / 2)
    )
}

async fn yielder(n: i64) -> i64 {
    let mut done = 0;
    for _ in 0..n {
        tokio::task::yield_now().await;
        done += 1;
    }
    done
}

/// W2a (tasks == 1: the timed task itself yields) and W2b (tasks yielders).
async fn w2(exec: &'static str, tasks: i64, yields: i64) -> String {
    let (c0, w0) = (cpu_ns(), wall_ns());
    let mut total = 0;
    if tasks == 1 {
        total = yielder(yields).await;
    } else {
        let h: Vec<_> = (0..tasks).map(|_| tokio::spawn(yielder(yields))).collect();
        for j in h {
            total += j.await.unwrap();
        }
    }
    let (c1, w1) = (cpu_ns(), wall_ns());
    let ops = (tasks * yields) as f64;
    format!(
        "{} peer=tokio exec={} tasks={} yields={} cpu_ns={:.3} wall_ns={:.3} total={} check={}",
        if tasks == 1 { "W2a" } else { "W2b" }, exec, tasks, yields,
        (c1 - c0) / ops, (w1 - w0) / ops, total, verdict(total == tasks * yields)
    )
}

/// W3: ping-pong over two capacity-1 channels.
async fn w3(exec: &'static str, trips: i64) -> String {
    let (atx, mut arx) = tokio::sync::mpsc::channel::<i64>(1);
    let (btx, mut brx) = tokio::sync::mpsc::channel::<i64>(1);
    let pong = tokio::spawn(async move {
        let mut echoed = 0i64;
        while let Some(v) = arx.recv().await {
            if btx.send(v).await.is_err() {
                break;
            }
            echoed += 1;
        }
        echoed
    });
    let mut bad = 0;
    let (c0, w0) = (cpu_ns(), wall_ns());
    for i in 0..trips {
        if atx.send(i).await.is_err() || brx.recv().await != Some(i) {
            bad += 1;
        }
    }
    let (c1, w1) = (cpu_ns(), wall_ns());
    drop(atx);
    let echoed = pong.await.unwrap();
    format!(
        "W3 peer=tokio exec={} trips={} cpu_ns={:.2} wall_ns={:.2} echoed={} check={}",
        exec, trips, (c1 - c0) / trips as f64, (w1 - w0) / trips as f64, echoed,
        verdict(bad == 0 && echoed == trips)
    )
}

static ASLEEP: AtomicI64 = AtomicI64::new(0);
static WOKE: AtomicI64 = AtomicI64::new(0);
static WOKE_SUM: AtomicI64 = AtomicI64::new(0);

/// W4: n detached tasks asleep, each holding one int: resident bytes per
/// task, at the moment all are asleep and at the peak.
async fn w4(exec: &'static str, n: i64, ms: i64) -> String {
    let rss0 = rss_bytes();
    let w0 = wall_ns();
    for i in 0..n {
        let x = i as i32;
        tokio::spawn(async move {
            ASLEEP.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(ms as u64)).await;
            WOKE_SUM.fetch_add(x as i64, Ordering::Relaxed);
            WOKE.fetch_add(1, Ordering::Release);
        });
    }
    // Each sleeper counts itself just before its first poll of the sleep;
    // one more nap lets the last ones register their timers.
    while ASLEEP.load(Ordering::Relaxed) < n && wall_ns() - w0 < ms as f64 * 1e6 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let rss1 = rss_bytes();
    let asleep = WOKE.load(Ordering::Acquire) == 0;
    while WOKE.load(Ordering::Acquire) < n && wall_ns() - w0 < (ms as f64 + 10000.0) * 1e6 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let peak = peak_rss_bytes();
    let done = WOKE.load(Ordering::Acquire);
    let sum = WOKE_SUM.load(Ordering::Relaxed);
    format!(
        "W4 peer=tokio exec={} tasks={} sleep_ms={} bytes_per_task={:.1} peak_bytes_per_task={:.1} woke={} sum={} check={}",
        exec, n, ms, (rss1 - rss0) as f64 / n as f64, (peak - rss0) as f64 / n as f64, done, sum,
        verdict(asleep && done == n && sum == n * (n - 1) / 2)
    )
}

// W5: a chain of 10 async functions whose leaf is ready at once.
async fn f0(x: i64) -> i64 {
    x + 1
}
async fn f1(x: i64) -> i64 {
    f0(x).await + 1
}
async fn f2(x: i64) -> i64 {
    f1(x).await + 1
}
async fn f3(x: i64) -> i64 {
    f2(x).await + 1
}
async fn f4(x: i64) -> i64 {
    f3(x).await + 1
}
async fn f5(x: i64) -> i64 {
    f4(x).await + 1
}
async fn f6(x: i64) -> i64 {
    f5(x).await + 1
}
async fn f7(x: i64) -> i64 {
    f6(x).await + 1
}
async fn f8(x: i64) -> i64 {
    f7(x).await + 1
}
async fn f9(x: i64) -> i64 {
    f8(x).await + 1
}
async fn drive(n: i64, base: i64) -> i64 {
    let mut s = 0;
    for i in 0..n {
        s += f9(base + i).await;
    }
    s
}

fn noop_raw() -> RawWaker {
    fn clone(_: *const ()) -> RawWaker {
        noop_raw()
    }
    fn noop(_: *const ()) {}
    static VT: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    RawWaker::new(std::ptr::null(), &VT)
}

/// Polled by hand with a no-op waker, as bench/w5/chain.ac drives its chain.
fn w5(n: i64) -> String {
    let base = unsafe { std::ptr::read_volatile(&3i64) };
    let waker = unsafe { Waker::from_raw(noop_raw()) };
    let mut cx = Context::from_waker(&waker);
    let mut fut = Box::pin(drive(n, base));
    let w0 = wall_ns();
    let sum = loop {
        if let Poll::Ready(v) = Pin::as_mut(&mut fut).poll(&mut cx) {
            break v;
        }
    };
    let w1 = wall_ns();
    let want: i64 = (0..n).map(|i| base + i + 10).sum();
    format!(
        "W5 peer=tokio exec=none calls={} wall_ns={:.3} sum={} check={}",
        n, (w1 - w0) / n as f64, sum, verdict(sum == want)
    )
}

/// W6: the echo server, a task per connection, on the listening socket
/// inherited as fd `lfd`; returns after `conns` connections have closed.
async fn w6(exec: &'static str, lfd: i64, conns: i64) -> String {
    use std::os::unix::io::FromRawFd;
    let std_l = unsafe { std::net::TcpListener::from_raw_fd(lfd as i32) };
    std_l.set_nonblocking(true).unwrap();
    let l = tokio::net::TcpListener::from_std(std_l).unwrap();
    let mut h = Vec::new();
    for _ in 0..conns {
        let (mut s, _) = l.accept().await.unwrap();
        s.set_nodelay(true).unwrap();
        h.push(tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }));
    }
    for j in h {
        j.await.unwrap();
    }
    format!("W6 peer=tokio exec={} conns={} check=ok", exec, conns)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: peer-tokio W1|W2a|W2b|W3|W4|W5|W6 current|multi [N [M]]");
        std::process::exit(2);
    }
    let exec: &'static str = if args[2] == "current" { "current" } else { "multi" };
    let w = args[1].clone();
    if w == "W5" {
        println!("{}", w5(arg(&args, 3, 10_000_000)));
        return;
    }
    let rt = if exec == "current" {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
    }
    .unwrap();
    let line = rt.block_on(async move {
        let work: Pin<Box<dyn Future<Output = String> + Send>> = match w.as_str() {
            "W1" => Box::pin(w1(exec, arg(&args, 3, 1_000_000))),
            "W2a" => Box::pin(w2(exec, 1, arg(&args, 3, 10_000_000))),
            "W2b" => Box::pin(w2(exec, arg(&args, 3, 1000), arg(&args, 4, 10_000))),
            "W3" => Box::pin(w3(exec, arg(&args, 3, 1_000_000))),
            "W4" => Box::pin(w4(exec, arg(&args, 3, 1_000_000), arg(&args, 4, 2000))),
            "W6" => Box::pin(w6(exec, arg(&args, 3, 3), arg(&args, 4, 64))),
            _ => {
                eprintln!("peer-tokio: unknown workload {}", w);
                std::process::exit(2)
            }
        };
        tokio::spawn(work).await.unwrap()
    });
    println!("{}", line);
    let ok = line.ends_with("check=ok");
    std::process::exit(if ok { 0 } else { 1 });
}
