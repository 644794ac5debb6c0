# The seed note's Example #1 UDP echo client, verbatim; the test changes only the port (12345).
import socket
def udp_echo_client():
    # set up the socket, no need to bind
    s = socket.socket(type=socket.SOCK_DGRAM)
    # Send something to the server
    print('sending...')
    s.sendto(b'Hello World',('127.0.0.1',12345))
    # Waiting to received data; a blocking call
    print('receiving...')
    data,address = s.recvfrom(4096)
    # Received something!
    print(data,'received from',address)

udp_echo_client()
