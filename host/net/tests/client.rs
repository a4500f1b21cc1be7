//! The HTTP client against small servers on 127.0.0.1 that count connections and misbehave
//! on purpose: pacing per origin, the response-size cap, timeouts and the User-Agent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wikidash_net::{FetchError, HttpClient, HttpRequest, Method};
use wikidash_policy::Etiquette;

/// How a test server answers each request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Wait, then answer 200 with a body of this many bytes.
    SlowOk { delay: Duration, body_bytes: usize },
    /// Read the request and never answer.
    Silent,
}

struct Server {
    url: String,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    last_request: Arc<std::sync::Mutex<String>>,
}

async fn serve(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most_in_flight = Arc::new(AtomicUsize::new(0));
    let last_request = Arc::new(std::sync::Mutex::new(String::new()));
    let (current, most, last) = (in_flight.clone(), most_in_flight.clone(), last_request.clone());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (current, most, last) = (current.clone(), most.clone(), last.clone());
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 8192];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                *last.lock().unwrap() = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let now = current.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                match behaviour {
                    Behaviour::SlowOk { delay, body_bytes } => {
                        tokio::time::sleep(delay).await;
                        current.fetch_sub(1, Ordering::SeqCst);
                        let head =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {body_bytes}\r\nConnection: close\r\n\r\n");
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.write_all(&vec![b'x'; body_bytes]).await;
                    }
                    Behaviour::Silent => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        current.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    Server { url, in_flight, most_in_flight, last_request }
}

fn get(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: url.to_string(),
        headers: vec![("User-Agent".into(), "curl/8".into())],
        body: None,
    }
}

fn quick() -> Etiquette {
    Etiquette {
        base_backoff: Duration::from_millis(5),
        max_wait: Duration::from_millis(50),
        max_retries: 1,
        contact: Some("ops@example.org".into()),
        ..Etiquette::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_request_in_flight_per_origin() {
    let server = serve(Behaviour::SlowOk { delay: Duration::from_millis(100), body_bytes: 10 }).await;
    let client = HttpClient::new(quick(), "0.1.0").unwrap();
    let requests = (0..4).map(|_| client.fetch(get(&server.url)));
    let responses = futures::future::join_all(requests).await;
    assert!(responses.iter().all(|response| response.as_ref().is_ok_and(|response| response.status == 200)));
    assert_eq!(server.most_in_flight.load(Ordering::SeqCst), 1);
    assert_eq!(server.in_flight.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn different_origins_run_side_by_side() {
    let first = serve(Behaviour::SlowOk { delay: Duration::from_millis(300), body_bytes: 10 }).await;
    let second = serve(Behaviour::SlowOk { delay: Duration::from_millis(300), body_bytes: 10 }).await;
    let client = HttpClient::new(quick(), "0.1.0").unwrap();
    let (a, b) = tokio::join!(client.fetch(get(&first.url)), async {
        // Start the second request once the first one is on the wire.
        while first.in_flight.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let overlapped = first.in_flight.load(Ordering::SeqCst) == 1;
        (client.fetch(get(&second.url)).await, overlapped)
    });
    assert!(a.is_ok());
    let (b, overlapped) = b;
    assert!(b.is_ok());
    assert!(overlapped, "the second origin's request waited for the first origin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_over_the_size_limit_is_too_large() {
    let server = serve(Behaviour::SlowOk { delay: Duration::ZERO, body_bytes: 3 * 1024 * 1024 }).await;
    let etiquette = Etiquette { max_response_bytes: 1024 * 1024, ..quick() };
    let client = HttpClient::new(etiquette, "0.1.0").unwrap();
    let error = client.fetch(get(&server.url)).await.unwrap_err();
    assert!(matches!(error, FetchError::TooLarge { limit: 1_048_576, .. }), "{error:?}");
    assert!(error.to_string().contains("larger than the limit of 1048576 bytes"), "{error}");
    // A too-large response is not retried.
    assert_eq!(client.stats()[server.url.trim_end_matches('/')].attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out_after_retries() {
    let server = serve(Behaviour::Silent).await;
    let etiquette = Etiquette { request_timeout: Duration::from_millis(200), ..quick() };
    let client = HttpClient::new(etiquette, "0.1.0").unwrap();
    let error = client.fetch(get(&server.url)).await.unwrap_err();
    assert!(matches!(error, FetchError::TimedOut { attempts: 2, .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_agent_is_the_clients_own() {
    let server = serve(Behaviour::SlowOk { delay: Duration::ZERO, body_bytes: 2 }).await;
    let client = HttpClient::new(quick(), "0.1.0").unwrap();
    client.fetch(get(&server.url)).await.unwrap();
    let request = server.last_request.lock().unwrap().to_ascii_lowercase();
    assert!(
        request.contains("user-agent: wikidash/0.1.0 (https://github.com/wikidash/wikidash; ops@example.org)"),
        "{request}"
    );
    assert!(!request.contains("curl/8"), "{request}");
    assert!(request.contains("accept-encoding: gzip"), "{request}");
}
