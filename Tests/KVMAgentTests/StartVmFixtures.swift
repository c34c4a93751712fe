import AgentWire

/// `KVM.StartVmCmd` inputs for the builder tests.
enum StartVmFixtures {
    static func volume(_ path: String, deviceId: Int, virtio: Bool = true, uuid: String) -> KVM.VolumeTO {
        var volume = KVM.VolumeTO()
        volume.installPath = path
        volume.deviceId = deviceId
        volume.useVirtio = virtio
        volume.volumeUuid = uuid
        volume.format = "qcow2"
        volume.deviceType = "file"
        return volume
    }

    static func nic(mac: String, bridge: String, tap: String, virtio: Bool = true) -> KVM.NicTO {
        var nic = KVM.NicTO()
        nic.mac = mac
        nic.bridgeName = bridge
        nic.nicInternalName = tap
        nic.useVirtio = virtio
        nic.uuid = "nic-\(tap)"
        return nic
    }

    /// A small valid VM: 2 vCPUs, 512 MiB, a virtio root volume and one virtio NIC.
    static func minimal(name: String, virtio: Bool = true) -> KVM.StartVmCmd {
        var command = KVM.StartVmCmd()
        command.vmInstanceUuid = name
        command.vmName = "vm \(name)"
        command.vmInternalId = 12
        command.memory = 512 * 1024 * 1024
        command.cpuNum = 2
        command.bootDev = ["hd"]
        command.rootVolume = volume("/var/lib/zstack/root-\(name).qcow2", deviceId: 0, virtio: virtio, uuid: "root-uuid")
        command.nics = [nic(mac: "52:54:00:aa:bb:01", bridge: "br_eth0", tap: "vnic12.0", virtio: virtio)]
        command.hostManagementIp = "10.0.0.5"
        return command
    }

    /// A `/vm/start` body shaped like ZStack 5.x sends it: many fields, nulls omitted, `kvmHostAddons`.
    static func zstack5JSON(uuid: String) -> String {
        #"""
        {"kvmHostAddons":{"qemuVersion":"6.2.0","libvirtVersion":"8.0.0"},
         "consoleMode":"vnc","videoType":"cirrus","soundType":"ich6","spiceStreamingMode":"off",
         "VDIMonitorNumber":1,"consolePassword":"p@ss<word>","qxlMemory":{"ram":"65536"},
         "spiceChannels":[],
         "accountUuid":"36c27e8ff05c4780bf6d2fa65700f22e","vmInstanceUuid":"\#(uuid)","vmInternalId":42,
         "vmName":"web-01 <prod> & \"friends\"","imagePlatform":"Linux","imageArchitecture":"x86_64",
         "memory":2147483648,"maxMemory":2147483648,"reservedMemory":0,"cpuNum":4,"maxVcpuNum":4,
         "cpuSpeed":0,"socketNum":2,"cpuOnSocket":2,"threadsPerCore":1,"bootDev":["cdrom","hd"],
         "rootVolume":{"installPath":"/zstack_ps/rootVolumes/acct-36c2/vol-8f1/8f1.qcow2","deviceId":0,
           "deviceType":"file","volumeUuid":"8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c","useVirtio":true,
           "useVirtioSCSI":false,"shareable":false,"cacheMode":"none","wwn":"0x5000c2a1b2c3d4e5",
           "bootOrder":0,"physicalBlockSize":0,"type":"Root","format":"qcow2",
           "primaryStorageType":"LocalStorage","resourceUuid":"8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c"},
         "cdRoms":[{"deviceId":0,"isEmpty":false,"path":"/zstack_ps/imagecache/iso/centos.iso",
           "imageUuid":"a7d0b7a1e5b94d6c9f0e1d2c3b4a5968","bootOrder":1},
           {"deviceId":1,"isEmpty":true,"bootOrder":0}],
         "dataVolumes":[{"installPath":"/dev/vg0/data-1","deviceId":1,"deviceType":"block",
           "volumeUuid":"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1","useVirtio":true,"cacheMode":"writeback",
           "format":"raw","type":"Data","shareable":false}],
         "cacheVolumes":[],"memBalloon":{"resourceUuid":"4780bf6d2fa65700f22e36c27e8ff05c"},
         "nics":[{"mac":"fa:a3:5c:1e:7b:00","ips":["192.168.100.10"],"bridgeName":"br_eth0_100",
           "physicalInterface":"eth0","uuid":"6c0a1d2b3c4d5e6f7a8b9c0d1e2f3a4b","nicInternalName":"vnic42.0",
           "deviceId":0,"useVirtio":true,"bootOrder":0,"mtu":1500,"driverType":"virtio","type":"VNIC",
           "state":"enable","vlanId":"100","l2NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f",
           "cleanTraffic":false,"isolated":false},
          {"mac":"fa:a3:5c:1e:7b:01","bridgeName":"br_eth1","uuid":"7d1b2e3c4d5e6f7a8b9c0d1e2f3a4b5c",
           "nicInternalName":"vnic42.1","deviceId":1,"useVirtio":false,"type":"VNIC"}],
         "timeout":300,"addons":{"channel":{"socketPath":"/var/lib/libvirt/qemu/x","targetName":"org.qemu.guest_agent.0"}},
         "instanceOfferingOnlineChange":false,"nestedVirtualization":"none","hostManagementIp":"172.20.0.11",
         "clock":"utc","clockTrack":"guest","useNuma":false,"noSharePages":false,"usbRedirect":false,
         "enableSecurityElement":false,"useBootMenu":true,"bootMenuSplashTimeout":3000,"createPaused":false,
         "kvmHiddenState":false,"vmPortOff":false,"vmCpuModel":"","emulateHyperV":false,"hypervClock":false,
         "suspendToRam":false,"suspendToDisk":false,"additionalQmp":true,"isApplianceVm":false,
         "bootMode":"Legacy","secureBoot":false,"fromForeignHypervisor":false,"pciePortNums":0,
         "predefinedPciBridgeNum":0,"useHugePage":false,"chassisAssetTag":"www.zstack.io",
         "priorityConfigStruct":{"vmUuid":"\#(uuid)","cpuShares":512,"oomScoreAdj":-100},
         "coloPrimary":false,"coloSecondary":false,"consoleLogToFile":false,"acpi":true,"x2apic":true,
         "cpuHypervisorFeature":true,"oemStrings":[],"useColoBinary":false}
        """#
    }
}
