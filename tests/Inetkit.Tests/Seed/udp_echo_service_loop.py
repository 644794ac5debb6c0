# The seed note's Example #2 UDP echo service, verbatim; the test changes only the port (12345).
import socket

def udp_echo_service():
    s = socket.socket(type=socket.SOCK_DGRAM)
    s.bind(('127.0.0.1',12345))
    # the loop keeps the service alive
    while True:
        data, address = s.recvfrom(4096)
        print('received',data,'from',address)
        s.sendto(data,address)

udp_echo_service()
