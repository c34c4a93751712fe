/// Bodies for the virtual-router agent, shaped like the MN's VirtualRouterCommands
/// (../shared/reference/vr-commands.txt). The MACs are those of the dummy NICs the suite puts in the
/// router's namespace, so the bodies as sent really configure something.
enum VRCorpus {
    static let privateMAC = "52:54:00:00:00:02"
    static let publicMAC = "52:54:00:00:00:03"

    static func entries() -> [CorpusEntry] {
        func async(_ path: String, _ body: String) -> CorpusEntry { CorpusEntry(path: path, kind: .async, body: body) }
        let nics = #"[{"ip":"10.0.0.1","mac":"\#(privateMAC)","netmask":"255.255.255.0","isDefaultRoute":false,"category":"Private","l2type":"L2NoVlanNetwork","mtu":1450},{"ip":"192.168.50.2","mac":"\#(publicMAC)","netmask":"255.255.255.0","gateway":"192.168.50.1","isDefaultRoute":true,"category":"Public"}]"#
        let dhcp = #"[{"ip":"10.0.0.10","mac":"fa:16:3e:00:00:0a","netmask":"255.255.255.0","gateway":"10.0.0.1","dns":["10.0.0.1"],"hostname":"web-1","vrNicMac":"\#(privateMAC)","dnsDomain":"zstack.org","isDefaultL3Network":true,"mtu":1450}]"#
        let snat = #"{"publicNicMac":"\#(publicMAC)","publicIp":"192.168.50.2","privateNicMac":"\#(privateMAC)","privateNicIp":"10.0.0.1","privateGatewayIp":"10.0.0.1","snatNetmask":"255.255.255.0","state":true}"#
        let vips = #"[{"ip":"192.168.50.10","netmask":"255.255.255.0","gateway":"192.168.50.1","prefixLength":24,"ownerEthernetMac":"\#(publicMAC)","vipUuid":"vip1","isSystem":false}]"#
        let eip = #"{"vipIp":"192.168.50.10","privateMac":"\#(privateMAC)","guestIp":"10.0.0.10","snatInboundTraffic":false,"publicMac":"\#(publicMAC)","needCleanGuestIp":false}"#
        let rules = #"[{"uuid":"pf1","vipPortStart":2222,"vipPortEnd":2222,"privatePortStart":22,"privatePortEnd":22,"protocolType":"TCP","vipIp":"192.168.50.10","publicMac":"\#(publicMAC)","privateIp":"10.0.0.10","privateMac":"\#(privateMAC)","allowedCidr":"0.0.0.0/0","snatInboundTraffic":false}]"#
        let lbs = #"[{"lbUuid":"lb1","listenerUuid":"l1","vip":"192.168.50.10","nicIps":["10.0.0.10"],"instancePort":80,"loadBalancerPort":8080,"mode":"http","parameters":["balancerWeight::10.0.0.10::100","connectionIdleTimeout::60","maxConnection::2000","balancerAlgorithm::roundrobin","healthCheckTarget::tcp:default","healthyThreshold::2","unhealthyThreshold::2","healthCheckInterval::5"]}]"#
        return [
            CorpusEntry(path: "/echo", kind: .echo, body: ""),
            async("/init", #"{"uuid":"7d9ba2d0","restartDnsmasqAfterNumberOfSIGUSER1":10,"mgtCidr":"172.20.0.0/16","logLevel":"DEBUG","timeServers":["127.0.0.1"],"parms":{"zvrVersion":"5.2.0"}}"#),
            async("/ping", #"{"uuid":"7d9ba2d0"}"#),
            async("/configurenic", #"{"nics":\#(nics)}"#),
            async("/adddhcp", #"{"dhcpEntries":\#(dhcp),"rebuild":false}"#),
            async("/removedhcp", #"{"dhcpEntries":\#(dhcp)}"#),
            async("/setdns", #"{"dns":[{"dnsAddress":"10.0.0.53","nicMac":"\#(privateMAC)"}]}"#),
            async("/removedns", #"{"dns":[{"dnsAddress":"10.0.0.53","nicMac":"\#(privateMAC)"}]}"#),
            async("/setsnat", #"{"snat":\#(snat)}"#),
            async("/removesnat", #"{"natInfo":[\#(snat)]}"#),
            async("/syncsnat", #"{"snats":[\#(snat)],"enable":true}"#),
            async("/createvip", #"{"syncVip":false,"vips":\#(vips),"nicIps":[{"ip":"192.168.50.2","netmask":"255.255.255.0","ownerEthernetMac":"\#(publicMAC)"}]}"#),
            async("/removevip", #"{"vips":\#(vips)}"#),
            async("/createeip", #"{"eip":\#(eip)}"#),
            async("/removeeip", #"{"eip":\#(eip)}"#),
            async("/synceip", #"{"eips":[\#(eip)]}"#),
            async("/createportforwarding", #"{"rules":\#(rules)}"#),
            async("/revokeportforwarding", #"{"rules":\#(rules)}"#),
            async("/syncportforwarding", #"{"rules":\#(rules)}"#),
            async("/lb/refresh", #"{"lbs":\#(lbs)}"#),
            async("/lb/delete", #"{"lbs":\#(lbs)}"#),
        ] + [
            // Paths of ZStack's VR agent this one does not serve: 404, never a crash.
            "/removenic", "/refreshDhcpServer", "/setforwarddns", "/removeforwarddns", "/changeDefaultNic",
            "/configurentp", "/gettype", "/configurenicfirewalldefaultaction", "/host/echo", "/%2e%2e/etc/passwd",
        ].map { CorpusEntry(path: $0, kind: .unserved, body: #"{"uuid":"7d9ba2d0"}"#) }
    }
}
