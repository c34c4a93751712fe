import AgentWire
import HostSystem

/// One checked `VipQosSetting`: the EIP's two inner devices (inbound traffic is shaped leaving the private
/// end, outbound leaving the public end), the VIP whose namespace holds them, the port (0: the VIP's
/// default class) and the two rates (0: that direction is left alone), as vipqos.py reads them.
struct VipQosRule: Sendable, Equatable {
    let vip: IPv4Address
    let publicInner: String
    let privateInner: String
    let port: Int
    let inboundBandwidth: Int64
    let outboundBandwidth: Int64

    init(_ setting: KVM.VipQosSetting, field: String) throws(InvalidField) {
        let eipUuid = try Validate.identifier(setting.vipUuid, "\(field).vipUuid")
        let devices = EipNames.devices(eipUuid: eipUuid)
        publicInner = devices.publicInner
        privateInner = devices.privateInner
        vip = try Validate.ipv4(setting.vip, "\(field).vip")
        port = setting.port ?? 0
        guard (0...65535).contains(port) else {
            throw InvalidField(field: "\(field).port", value: String(port), expected: "a port between 0 (every port) and 65535")
        }
        inboundBandwidth = try Self.rate(setting.inboundBandwidth, "\(field).inboundBandwidth")
        outboundBandwidth = try Self.rate(setting.outboundBandwidth, "\(field).outboundBandwidth")
    }

    /// The (device, rate) pairs this rule limits: vipqos.py's two `!= 0` branches.
    var limits: [(device: String, rate: Int64)] {
        [(privateInner, inboundBandwidth), (publicInner, outboundBandwidth)].filter { $0.rate != 0 }
    }

    private static func rate(_ value: Int64?, _ field: String) throws(InvalidField) -> Int64 {
        let rate = value ?? 0
        // tc takes rates up to 2^64 bit/s, but the MN's are bits per second of a real link.
        guard (0...VipQosTC.defaultRate * 100).contains(rate) else {
            throw InvalidField(field: field, value: String(rate), expected: "a rate in bits per second, 0 for none")
        }
        return rate
    }

    /// Checks every setting of a command, naming the one at fault as `vipQosSettings[i]`.
    static func all(_ command: KVM.VipQosCmd) throws(InvalidField) -> [VipQosRule] {
        guard let settings = command.vipQosSettings else {
            throw InvalidField(field: "vipQosSettings", value: nil, expected: "a list of VIP QoS settings")
        }
        var rules: [VipQosRule] = []
        for (index, setting) in settings.enumerated() {
            rules.append(try VipQosRule(setting, field: "vipQosSettings[\(index)]"))
        }
        return rules
    }
}
