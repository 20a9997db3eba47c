#!/bin/sh
# Regenerates the real captures the audit unit tests read (run as root; needs iproute2, tshark,
# editcap, python3). Two namespaces joined by a veth pair with a small MTU (so large datagrams
# fragment); addresses from the documentation ranges (RFC 5737, RFC 3849).
set -eu
cd "$(dirname "$0")"
A=fxa$$ B=fxb$$
cleanup() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add fa0 type veth peer name fb0
ip link set fa0 netns $A; ip link set fb0 netns $B
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set fa0 mtu 1280 up; ip -n $B link set fb0 mtu 1280 up
ip -n $A addr add 192.0.2.1/24 dev fa0; ip -n $B addr add 192.0.2.2/24 dev fb0
ip -n $A addr add 2001:db8::1/64 dev fa0 nodad; ip -n $B addr add 2001:db8::2/64 dev fb0 nodad
# (No VLAN here: containers often lack the 8021q module; the unit tests build tagged frames themselves.)

# Three captures of the same traffic: pcapng with two interfaces (Ethernet and Linux cooked v2), and
# classic pcap of Ethernet and of Linux cooked v1.
ip netns exec $B tshark -q -i fb0 -i any -y LINUX_SLL2 -w multi.pcapng 2>tshark1.log &
T1=$!
ip netns exec $B tshark -q -i fb0 -F pcap -w ether.pcap 2>tshark2.log &
T2=$!
ip netns exec $B tshark -q -i any -F pcap -w cooked.pcap 2>tshark3.log &
T3=$!
for f in tshark1.log tshark2.log tshark3.log; do while ! grep -q "Capturing on" $f 2>/dev/null; do sleep 0.1; done; done
sleep 0.5
ip netns exec $B python3 - <<'PY' &
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('192.0.2.2', 5000))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(('2001:db8::2', 5006))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(('192.0.2.2', 6000)); t.listen(1)
c, _ = t.accept(); data = b''
while len(data) < 5000:
    d = c.recv(65536)
    if not d: break
    data += d
c.sendall(b'ok'); c.close()
for s in (u, u6):
    s.settimeout(2)
    try:
        while True:
            m, a = s.recvfrom(65536); s.sendto(b'pong', a)
    except socket.timeout: pass
PY
S=$!
sleep 0.5
ip netns exec $A python3 - <<'PY'
import socket, time
t = socket.create_connection(('192.0.2.2', 6000), source_address=('192.0.2.1', 40000)); t.sendall(b'x' * 5000); t.recv(10); t.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('192.0.2.1', 41000))
u.sendto(b'ping', ('192.0.2.2', 5000)); u.sendto(b'y' * 3000, ('192.0.2.2', 5000))
u.sendto(b'closed', ('192.0.2.2', 5999))  # ICMP port unreachable back
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(('2001:db8::1', 41006))
u6.sendto(b'ping6', ('2001:db8::2', 5006)); u6.sendto(b'z' * 3000, ('2001:db8::2', 5006))
u6.sendto(b'closed', ('2001:db8::2', 5999))
time.sleep(0.5)
PY
wait $S || true
sleep 0.5
kill -INT $T1 $T2 $T3; wait $T1 $T2 $T3 || true
# The Ethernet capture again with nanosecond timestamps.
editcap -F nsecpcap ether.pcap ether-ns.pcap
rm -f tshark1.log tshark2.log tshark3.log
# What tshark reads in each file, frame by frame (the unit tests compare the reader with it).
# Reassembly is off so that, like the reader, ports belong to first fragments.
for f in multi.pcapng ether.pcap ether-ns.pcap cooked.pcap; do
  tshark -r $f -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields -E separator=/t -E occurrence=f \
    -e frame.number -e frame.interface_id -e frame.time_epoch -e frame.len \
    -e ip.src -e ip.dst -e ip.proto -e ip.len -e ip.frag_offset \
    -e ipv6.src -e ipv6.dst -e ipv6.plen -e ipv6.fraghdr.offset \
    -e udp.srcport -e udp.dstport -e tcp.srcport -e tcp.dstport -e icmp.type -e icmpv6.type > $f.tsv
done
chmod 644 *.pcap *.pcapng
