/*
 * The least a TCP relay can do per message, as a reference for `inetkit proxy`: one thread, one level-triggered
 * epoll set, one recv and one send per readable socket, nothing else (no half-close, no back-pressure beyond a
 * busy retry, no limits). Not a tool: it exists to measure what any relay costs on this machine.
 * Usage: tcp_relay LISTEN_PORT TARGET_PORT  (both on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int peer[65536];

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: tcp_relay LISTEN_PORT TARGET_PORT\n"); return 2; }
    int one = 1;
    struct sockaddr_in listen_at = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct sockaddr_in target = listen_at;
    target.sin_port = htons(atoi(argv[2]));
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&listen_at, sizeof listen_at) || listen(listener, 512)) { perror("tcp_relay: bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[256];
    static char buffer[65536];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                if (client < 0 || client >= 65536) { if (client >= 0) close(client); continue; }
                int up = socket(AF_INET, SOCK_STREAM, 0);
                if (up >= 65536 || connect(up, (struct sockaddr *)&target, sizeof target)) { close(up); close(client); continue; }
                fcntl(up, F_SETFL, O_NONBLOCK);
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                peer[client] = up; peer[up] = client;
                ev.data.fd = client; epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev);
                ev.data.fd = up; epoll_ctl(ep, EPOLL_CTL_ADD, up, &ev);
                continue;
            }
            ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got < 0 && errno == EAGAIN) continue;
            if (got <= 0) { close(peer[fd]); close(fd); continue; }
            for (ssize_t sent = 0; sent < got;) {
                ssize_t w = send(peer[fd], buffer + sent, got - sent, MSG_NOSIGNAL);
                if (w > 0) sent += w;
                else if (errno != EAGAIN) break;
            }
        }
    }
}
