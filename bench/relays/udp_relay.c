/*
 * The least a UDP relay can do per datagram, as a reference for `inetkit proxy --udp`: one thread, one epoll set,
 * a connected upstream socket per client address (at most 64), no guards, no expiry. With BATCH=1 in the
 * environment it moves up to 64 datagrams per recvmmsg and sendmmsg, as echo_limit does; without, one recvmsg and
 * one send per datagram. Not a tool: it exists to measure what any relay costs on this machine.
 * Usage: [BATCH=1] udp_relay LISTEN_PORT TARGET_PORT  (both on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SESSIONS 64
#define BATCH 64
#define LISTENER 0xffffffffu

static struct { struct sockaddr_in client; int fd; } sessions[MAX_SESSIONS];
static int session_count;
static char buffers[BATCH][65536];
static struct mmsghdr messages[BATCH];
static struct iovec vectors[BATCH];
static struct sockaddr_in sources[BATCH];

static void prepare(int with_names)
{
    for (int j = 0; j < BATCH; j++) {
        vectors[j] = (struct iovec){ buffers[j], sizeof buffers[j] };
        memset(&messages[j].msg_hdr, 0, sizeof messages[j].msg_hdr);
        messages[j].msg_hdr.msg_iov = &vectors[j];
        messages[j].msg_hdr.msg_iovlen = 1;
        if (with_names) { messages[j].msg_hdr.msg_name = &sources[j]; messages[j].msg_hdr.msg_namelen = sizeof sources[j]; }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: [BATCH=1] udp_relay LISTEN_PORT TARGET_PORT\n"); return 2; }
    int batch = getenv("BATCH") != NULL ? BATCH : 1;
    struct sockaddr_in listen_at = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct sockaddr_in target = listen_at;
    target.sin_port = htons(atoi(argv[2]));
    int listener = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (bind(listener, (struct sockaddr *)&listen_at, sizeof listen_at)) { perror("udp_relay: bind"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTENER };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[MAX_SESSIONS + 1];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_SESSIONS + 1, -1);
        for (int i = 0; i < n; i++) {
            unsigned id = events[i].data.u32;
            if (id == LISTENER) {
                prepare(1);
                int got = recvmmsg(listener, messages, batch, MSG_DONTWAIT, NULL);
                for (int j = 0; j < got; j++) {
                    int s = 0;
                    while (s < session_count && !(sessions[s].client.sin_port == sources[j].sin_port && sessions[s].client.sin_addr.s_addr == sources[j].sin_addr.s_addr)) s++;
                    if (s == session_count) {
                        if (s == MAX_SESSIONS) continue;
                        sessions[s].client = sources[j];
                        sessions[s].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
                        connect(sessions[s].fd, (struct sockaddr *)&target, sizeof target);
                        ev.data.u32 = s;
                        epoll_ctl(ep, EPOLL_CTL_ADD, sessions[s].fd, &ev);
                        session_count++;
                    }
                    send(sessions[s].fd, buffers[j], messages[j].msg_len, 0);
                }
            } else {
                prepare(0);
                int got = recvmmsg(sessions[id].fd, messages, batch, MSG_DONTWAIT, NULL);
                for (int j = 0; j < got; j++) {
                    vectors[j].iov_len = messages[j].msg_len;
                    messages[j].msg_hdr.msg_name = &sessions[id].client;
                    messages[j].msg_hdr.msg_namelen = sizeof sessions[id].client;
                }
                if (got > 0) sendmmsg(listener, messages, got, 0);
            }
        }
    }
}
