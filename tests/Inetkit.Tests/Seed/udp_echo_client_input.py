# The seed note's Example #2 UDP echo client, verbatim; the test changes only the port (12345).
import socket
def udp_echo_client():
    s = socket.socket(type=socket.SOCK_DGRAM)
    # the sendto was changed to prompt the user for input
    # Note the encoding; remember we have to send a bytes object
    s.sendto(input("Text to send: ").encode("ascii"),('127.0.0.1',12345))
    data,address = s.recvfrom(4096)
    print(data,'received from',address)

udp_echo_client()
