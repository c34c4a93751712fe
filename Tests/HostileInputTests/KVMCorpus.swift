/// Bodies for the KVM agent, shaped like the MN's KVMAgentCommands (../shared/reference/kvm-commands.txt).
/// Interface names start with `hfz` and exist nowhere, so network commands fail in band instead of
/// touching the host's links; `/host/connect` carries no `iptablesRules`, which the agent would apply to
/// the host's own iptables (shared with every other test on the machine), and the console-firewall
/// commands are left out for the same reason. `/host/shutdown` and `/host/reboot` run `true` (the
/// suite's `--host-shutdown-command`), firmware flashes are removed from the world's nvram directory. The
/// agent runs in a network namespace of its own (`--netns`), where the security-group commands' iptables
/// rules and ipsets stay.
enum KVMCorpus {
    static let testDomain = "6695eb01-f6a4-8304-79aa-97f2502e193f"
    static let volume = #"{"installPath":"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2","deviceId":1,"deviceType":"file","volumeUuid":"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1","useVirtio":true,"useVirtioSCSI":false,"shareable":false,"cacheMode":"none","format":"qcow2","type":"Data","primaryStorageType":"LocalStorage"}"#
    static let nic = #"{"mac":"fa:a3:5c:1e:7b:09","ips":["192.168.100.19"],"bridgeName":"hfzbr0","physicalInterface":"hfzeth0","uuid":"6c0a1d2b3c4d5e6f7a8b9c0d1e2f3a4c","nicInternalName":"vnic42.9","deviceId":2,"useVirtio":true,"mtu":1500,"driverType":"virtio","type":"VNIC","state":"enable"}"#
    static let sftp = #""sshKey":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n","username":"root","hostname":"127.0.0.1","sshPort":1,"backupStorageInstallPath":"/zstack_bs/images/img1/img1.qcow2","primaryStorageInstallPath":"@ROOT@/imagecache/template/img1/img1.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1""#
    /// FlatEipBackend's EipTO on bridges that exist nowhere (so apply fails before making a namespace) and a
    /// VIP in TEST-NET-2 (so delete and vipqos find no namespace of another test's).
    static let eip = #"{"eipUuid":"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1","vipUuid":"v1v1","vmUuid":"\#(testDomain)","nicUuid":"6c0a1d2b3c4d5e6f7a8b9c0d1e2f3a4c","ipVersion":4,"vip":"198.51.100.77","vipNetmask":"255.255.255.0","vipGateway":"198.51.100.1","vipPrefixLen":24,"nicIp":"192.168.100.19","nicMac":"fa:a3:5c:1e:7b:09","nicGateway":"192.168.100.1","nicNetmask":"255.255.255.0","nicPrefixLen":24,"nicName":"vnic42.9","vmBridgeName":"hfzbr0","publicBridgeName":"hfzbr1","skipArpCheck":false,"addfdb":false}"#
    static let vipQos = #"{"vipUuid":"e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1","vip":"198.51.100.77","port":80,"inboundBandwidth":1048576,"outboundBandwidth":1048576}"#
    /// A flat network NIC on bridge `hfzbr0`, which exists nowhere: prepares and userdata fail in band before
    /// any namespace is made; releases, flushes and deletes find nothing to do.
    static let flatNamespace = "hfzbr0_f0e1d2c3b4a5968778695a4b3c2d1e0f"
    static let dhcpInfo = #"{"ipVersion":4,"enableRa":false,"ip":"10.89.0.10","mac":"fa:16:3e:89:00:0a","netmask":"255.255.255.0","gateway":"10.89.0.1","hostname":"vm-one.hfz.test","isDefaultL3Network":true,"dnsDomain":"hfz.test","dns":["10.89.0.2"],"bridgeName":"hfzbr0","namespaceName":"\#(flatNamespace)","l3NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f","mtu":1450,"vmMultiGateway":false,"hostRoutes":[{"prefix":"172.30.0.0/16","nexthop":"10.89.0.254"}],"nicType":"VNIC"}"#
    static let prepareDhcp = #"{"bridgeName":"hfzbr0","dhcpServerIp":"10.89.0.2","dhcpNetmask":"255.255.255.0","namespaceName":"\#(flatNamespace)","ipVersion":4}"#
    static let userdataTO = ##"{"metadata":{"vmUuid":"\##(testDomain)","vmHostname":"vm-one"},"userdataList":["#cloud-config\nhostname: vm-one\n"],"vmIp":"10.89.0.10","netmask":"255.255.255.0","dhcpServerIp":"10.89.0.2","bridgeName":"hfzbr0","namespaceName":"\##(flatNamespace)","l3NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f","agentConfig":{},"port":1180}"##
    static let bridge = #""physicalInterfaceName":"hfzeth0","l2NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f","disableIptables":false,"mtu":1500,"isolated":false"#

    static func entries() throws -> [CorpusEntry] {
        func sync(_ path: String, _ body: String) -> CorpusEntry { CorpusEntry(path: path, kind: .sync, body: body) }
        func async(_ path: String, _ body: String) -> CorpusEntry { CorpusEntry(path: path, kind: .async, body: body) }
        return [
            CorpusEntry(path: "/host/echo", kind: .echo, body: "{}"),
            sync("/host/connect", #"{"hostUuid":"h1","sendCommandUrl":"@MN@","ignoreMsrs":false,"pageTableExtensionDisabled":false,"tcpServerPort":7123,"version":"5.2.0","kvmHostAddons":{"qemuVersion":"6.2.0"}}"#),
            sync("/network/checkphysicalnetworkinterface", #"{"interfaceNames":["hfzeth0","lo"]}"#),
            async("/host/ping", #"{"hostUuid":"h1"}"#),
            async("/host/capacity", "{}"),
            async("/host/fact", "{}"),
            async("/host/checkfile", #"{"paths":["@ROOT@/imagecache/template/img1/img1.qcow2"],"md5Return":true}"#),
            async("/host/update/configuration", #"{"hostUuid":"h1","sendCommandUrl":"@MN@"}"#),
            async("/job/cancel", #"{"cancellationApiId":"api-1","times":1,"interval":1}"#),
            async("/localstorage/init", #"{"path":"@ROOT@","hostUuid":"h1","initFilePath":"@ROOT@/zstack_smp_init_file","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/getphysicalcapacity", #"{"storagePath":"@ROOT@","hostUuid":"h1","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/checkbits", #"{"path":"@ROOT@","username":"root","hostUuid":"h1","storagePath":"@ROOT@"}"#),
            async("/localstorage/delete", #"{"path":"@ROOT@/rootVolumes/vol-1/vol-1.qcow2","username":"root","storagePath":"@ROOT@"}"#),
            async("/localstorage/volume/createempty", #"{"installUrl":"@ROOT@/dataVolumes/acct/vol-2/vol-2.qcow2","size":1073741824,"accountUuid":"a1","name":"data-1","volumeUuid":"vol-2","storagePath":"@ROOT@"}"#),
            async("/localstorage/volume/createvolumefromcache", #"{"templatePathInCache":"@ROOT@/imagecache/template/img1/img1.qcow2","installUrl":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","volumeUuid":"vol-3","virtualSize":1073741824,"storagePath":"@ROOT@"}"#),
            async("/localstorage/volume/createwithbacking", #"{"templatePathInCache":"@ROOT@/imagecache/template/img1/img1.qcow2","installPath":"@ROOT@/rootVolumes/vol-4.qcow2","volumeUuid":"vol-4","storagePath":"@ROOT@"}"#),
            async("/localstorage/volume/getsize", #"{"installPath":"@ROOT@/dataVolumes/acct/vol-2/vol-2.qcow2","volumeUuid":"vol-2","storagePath":"@ROOT@"}"#),
            async("/localstorage/sftp/download", "{\(sftp),\"bandWidth\":0}"),
            async("/localstorage/sftp/upload", "{\(sftp),\"imageName\":\"img1\"}"),
            async("/localstorage/volume/createfolder", #"{"installUrl":"@ROOT@/memoryVolumes/acct/vol-m/vol-m","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/deletedir", #"{"path":"@ROOT@/imagecache/template/img9","hostUuid":"h1","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/unlink", #"{"installPath":"@ROOT@/dataVolumes/acct/vol-2","onlyLinkedFile":true,"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/snapshot/revert", #"{"snapshotInstallPath":"@ROOT@/rootVolumes/acct/vol-3/snapshots/s1.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","kvmHostAddons":{}}"#),
            async("/localstorage/reinit/image", #"{"imagePath":"@ROOT@/imagecache/template/img1/img1.qcow2","volumePath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/snapshot/merge", #"{"volumeUuid":"vol-3","snapshotInstallPath":"@ROOT@/rootVolumes/acct/vol-3/snapshots/s1.qcow2","workspaceInstallPath":"@ROOT@/dataVolumes/acct/vol-5/vol-5.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1","task-name":"t"},"threadContextStack":[]}"#),
            async("/localstorage/snapshot/mergeandrebase", #"{"volumeUuid":"vol-3","snapshotInstallPaths":["@ROOT@/rootVolumes/acct/vol-3/snapshots/s1.qcow2","@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2"],"workspaceInstallPath":"@ROOT@/dataVolumes/acct/vol-6/vol-6.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/snapshot/offlinemerge", #"{"srcPath":"@ROOT@/imagecache/template/img1/img1.qcow2","destPath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","fullRebase":false,"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1","task-name":"t"},"threadContextStack":[]}"#),
            async("/localstorage/volume/createtemplate", #"{"installPath":"@ROOT@/templateWorkspace/image-i1/i1.qcow2","volumePath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1","task-name":"t"},"threadContextStack":[]}"#),
            async("/localstorage/volume/estimatetemplatesize", #"{"volumePath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/rebaserootvolumetobackingfile", #"{"backingFilePath":"@ROOT@/imagecache/template/img1/img1.qcow2","rootVolumePath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/snapshot/verifychain", #"{"snapshots":[{"path":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","parentPath":"@ROOT@/imagecache/template/img1/img1.qcow2","snapshotUuid":"s1"}],"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/snapshot/rebasebackingfiles", #"{"snapshots":[{"path":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","parentPath":"@ROOT@/imagecache/template/img1/img1.qcow2","snapshotUuid":"s1"}],"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/copytoremote", #"{"sendCommandUrl":"@MN@","paths":["@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2"],"dstIp":"127.0.0.1","dstPassword":"password","dstUsername":"root","dstPort":1,"stage":"10-90","volumeUuid":"vol-3","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1"},"threadContextStack":[]}"#),
            async("/localstorage/getmd5", #"{"md5s":[{"resourceUuid":"vol-3","path":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2"}],"sendCommandUrl":"@MN@","volumeUuid":"vol-3","stage":"0-10","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1","task-name":"t"},"threadContextStack":[]}"#),
            async("/localstorage/checkmd5", #"{"md5s":[{"resourceUuid":"vol-3","path":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","md5":"d41d8cd98f00b204e9800998ecf8427e"}],"sendCommandUrl":"@MN@","volumeUuid":"vol-3","stage":"90-100","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1","threadContext":{"api":"api-1","task-name":"t"},"threadContextStack":[]}"#),
            async("/localstorage/volume/getbackingfile", #"{"path":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","volumeUuid":"vol-3","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/getbackingchain", #"{"installPath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","volumeUuid":"vol-3","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/batchgetsize", #"{"volumeUuidInstallPaths":{"vol-3":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","vol-2":"@ROOT@/dataVolumes/acct/vol-2/vol-2.qcow2"},"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/getbaseimagepath", #"{"volumeUuid":"vol-3","imageCacheDir":"@ROOT@/imagecache","volumeInstallDir":"@ROOT@/rootVolumes/acct/vol-3","volumeInstallPath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/getqcow2reference", #"{"path":"@ROOT@/imagecache/template/img1/img1.qcow2","searchingDir":"@ROOT@","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/resize", #"{"installPath":"@ROOT@/dataVolumes/acct/vol-2/vol-2.qcow2","size":2147483648,"force":false,"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/volume/hardlink", #"{"volumeUuid":"vol-2","srcDir":"@ROOT@/dataVolumes/acct/vol-2","dstDir":"@ROOT@/rootVolumes/acct/vol-2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/check/initializedfile", #"{"filePath":"@ROOT@/ps1-initialized-file","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/create/initializedfile", #"{"filePath":"@ROOT@/ps1-initialized-file","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/kvmhost/download", "{\(sftp),\"bandWidth\":0,\"identificationCode\":\"job-1\"}"),
            async("/localstorage/kvmhost/download/cancel", #"{"primaryStorageInstallPath":"@ROOT@/rootVolumes/acct/vol-7/vol-7.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/kvmhost/download/progress", #"{"volumePaths":["@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","@ROOT@/rootVolumes/acct/vol-7/vol-7.qcow2"],"storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/localstorage/getqcow2hash", #"{"hostUuid":"h1","installPath":"@ROOT@/rootVolumes/acct/vol-3/vol-3.qcow2","storagePath":"@ROOT@","primaryStorageUuid":"ps1","uuid":"ps1"}"#),
            async("/network/l2novlan/createbridge", "{\(bridge),\"bridgeName\":\"hfzbr0\"}"),
            async("/network/l2vlan/createbridge", "{\(bridge),\"bridgeName\":\"hfzbr0_100\",\"vlan\":100}"),
            async("/network/l2novlan/checkbridge", #"{"physicalInterfaceName":"hfzeth0","bridgeName":"hfzbr0"}"#),
            async("/network/l2vlan/checkbridge", #"{"physicalInterfaceName":"hfzeth0","bridgeName":"hfzbr0_100","vlan":100}"#),
            async("/network/l2novlan/deletebridge", #"{"physicalInterfaceName":"hfzeth0","bridgeName":"hfzbr0","l2NetworkUuid":"l2"}"#),
            async("/network/l2vlan/deletebridge", #"{"physicalInterfaceName":"hfzeth0","bridgeName":"hfzbr0_100","l2NetworkUuid":"l2","vlan":100}"#),
            async("/network/bridge/addif", #"{"physicalInterfaceName":"hfzeth1","bridgeName":"hfzbr0"}"#),
            async("/vm/start", try CorpusPlaceholders.zstack5StartVm(uuid: "8f1aa1c6a0d84d3c8a1b3d2e4f5a6b70")),
            async("/vm/start", #"{"vmInstanceUuid":"c0ffee00c0ffee00c0ffee00c0ffee00","vmName":"mini","memory":67108864,"cpuNum":1,"socketNum":1,"cpuOnSocket":1,"threadsPerCore":1,"bootDev":["hd"],"rootVolume":{"installPath":"@ROOT@/rootVolumes/mini.qcow2","deviceId":0,"deviceType":"file","volumeUuid":"c0ffee","useVirtio":true,"format":"qcow2","type":"Root"},"nics":[],"dataVolumes":[],"cdRoms":[],"timeout":60}"#),
            async("/vm/stop", #"{"uuid":"\#(testDomain)","type":"grace","timeout":30}"#),
            async("/vm/reboot", #"{"uuid":"\#(testDomain)","timeout":30,"bootDev":["hd"]}"#),
            async("/vm/destroy", #"{"uuid":"c0ffee00c0ffee00c0ffee00c0ffee00","timeout":30}"#),
            async("/vm/pause", #"{"uuid":"\#(testDomain)","timeout":30}"#),
            async("/vm/resume", #"{"uuid":"\#(testDomain)","timeout":30}"#),
            async("/vm/checkstate", #"{"vmUuids":["\#(testDomain)","c0ffee00c0ffee00c0ffee00c0ffee00"],"hostUuid":"h1"}"#),
            async("/vm/vmsync", "{}"),
            async("/vm/getvncport", #"{"vmUuid":"\#(testDomain)"}"#),
            async("/vm/attachdatavolume", #"{"volume":\#(volume),"vmInstanceUuid":"\#(testDomain)","addons":{"attachedDataVolumes":[]}}"#),
            async("/vm/detachdatavolume", #"{"volume":\#(volume),"vmInstanceUuid":"\#(testDomain)"}"#),
            async("/vm/attachnic", #"{"vmUuid":"\#(testDomain)","nic":\#(nic),"accountUuid":"a1","addons":{}}"#),
            async("/vm/detachnic", #"{"vmUuid":"\#(testDomain)","nic":\#(nic)}"#),
            async("/vm/online/changecpumem", #"{"vmUuid":"\#(testDomain)","cpuNum":2,"memorySize":2147483648}"#),
            async("/vm/migrate", #"{"vmUuid":"\#(testDomain)","destHostIp":"127.0.0.1","srcHostIp":"127.0.0.1","destHostManagementIp":"127.0.0.1","useNuma":false,"migrateFromDestination":false,"autoConverge":false,"xbzrle":false,"downTime":300,"bandwidth":0,"timeout":30,"reload":false,"disks":{},"nics":[]}"#),
            async("/vm/volume/takesnapshot", #"{"vmUuid":"\#(testDomain)","volumeUuid":"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1","volume":\#(volume),"installPath":"@ROOT@/dataVolumes/vol-d1/snapshots/s1.qcow2","fullSnapshot":false,"volumeInstallPath":"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2","online":false,"timeout":60000,"isBaremetal2InstanceOnlineSnapshot":false,"primaryStorageUuid":"ps1","threadContext":{"api":"api-1"}}"#),
            async("/vm/volume/checksnapshot", #"{"vmUuid":"\#(testDomain)","volumeUuid":"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1","currentInstallPath":"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2","excludeInstallPaths":["@ROOT@/imagecache/template/img1/img1.qcow2"],"volumeChainToCheck":{"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2":0}}"#),
            async("/vm/volume/mergesnapshot", #"{"vmUuid":"\#(testDomain)","volume":\#(volume),"srcPath":"@ROOT@/imagecache/template/img1/img1.qcow2","destPath":"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2","fullRebase":false}"#),
            async("/vm/volume/blockcommit", #"{"vmUuid":"\#(testDomain)","volume":\#(volume),"top":"@ROOT@/dataVolumes/vol-d1/vol-d1.qcow2","base":"@ROOT@/imagecache/template/img1/img1.qcow2"}"#),
            async("/vm/getvirtualizerinfo", #"{"vmUuids":["\#(testDomain)","c0ffee00c0ffee00c0ffee00c0ffee00"]}"#),
            async("/host/updatedependency", #"{"hostUuid":"h1","enableExpRepo":false,"zstackRepo":"false"}"#),
            async("/host/shutdown", "{}"),
            async("/host/reboot", "{}"),
            async("/network/l2vlan/updatebridge", #"{"physicalInterfaceName":"hfzeth0","bridgeName":"hfzbr0","newVlan":"100","l2NetworkUuid":"l2"}"#),
            async("/clean/firmware/flash", #"{"vmUuid":"c0ffee00c0ffee00c0ffee00c0ffee00"}"#),
            async("/sync/vm/deviceinfo", #"{"vmInstanceUuid":"\#(testDomain)"}"#),
            async("/vm/getdeviceaddress", #"{"uuid":"\#(testDomain)","deviceTOs":{"VolumeVO":[\#(volume)]}}"#),
            async("/vm/increase/cpu", #"{"vmUuid":"\#(testDomain)","cpuNum":2}"#),
            async("/vm/increase/mem", #"{"vmUuid":"\#(testDomain)","memorySize":4294967296}"#),
            async("/vm/iso/attach", #"{"vmUuid":"\#(testDomain)","iso":{"path":"@ROOT@/imagecache/iso/centos.iso","imageUuid":"img1","deviceId":0,"primaryStorageUuid":"ps1"}}"#),
            async("/vm/iso/detach", #"{"vmUuid":"\#(testDomain)","isoUuid":"img1","deviceId":0}"#),
            async("/vm/updatenic", #"{"vmInstanceUuid":"\#(testDomain)","nics":[\#(nic)],"addons":{}}"#),
            async("/vm/changenicstate", #"{"vmUuid":"\#(testDomain)","state":"disable","nic":\#(nic)}"#),
            async("/vm/priority", #"{"priorityConfigStructs":[{"vmUuid":"\#(testDomain)","cpuShares":512,"oomScoreAdj":0}]}"#),
            async("/vm/volumesync", #"{"storagePaths":["file://@ROOT@/dataVolumes","file://@ROOT@/rootVolumes/mini*"]}"#),
            async("/securitygroup/applyrules", try CorpusPlaceholders.securityGroupRules()),
            async("/securitygroup/refreshrulesonhost", try CorpusPlaceholders.securityGroupRules()),
            async("/securitygroup/updategroupmember", #"{"updateGroupTOs":[{"securityGroupUuid":"5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b","securityGroupVmIps":["192.168.100.19","192.168.100.1"],"securityGroupVmIp6s":["fd00::19"],"actionCode":"updateGroup"}]}"#),
            async("/securitygroup/cleanupunusedrules", #"{"skipIpv6":false}"#),
            async("/securitygroup/checkdefaultrulesonhost", #"{"skipIpv6":true}"#),
            async("/flatnetworkprovider/eip/apply", "{\"eip\":\(eip)}"),
            async("/flatnetworkprovider/eip/batchapply", "{\"eips\":[\(eip)]}"),
            async("/flatnetworkprovider/eip/delete", "{\"eip\":\(eip)}"),
            async("/flatnetworkprovider/eip/batchdelete", "{\"eips\":[\(eip)]}"),
            async("/flatnetworkprovider/garp/apply", #"{"rebuild":true,"interval":5,"state":true,"infos":[{"ip":"198.51.100.77","mac":"fa:a3:5c:1e:7b:0a","namespace":"hfzbr1_198_51_100_77","bridgeName":"hfzbr1"}]}"#),
            async("/flatnetworkprovider/garp/release", #"{"infos":[{"ip":"198.51.100.77","mac":"fa:a3:5c:1e:7b:0a","namespace":"hfzbr1_198_51_100_77","bridgeName":"hfzbr1"}]}"#),
            async("/flatnetworkprovider/garp/settings", #"{"interval":5,"state":false}"#),
            async("/flatnetworkprovider/vipqos/apply", "{\"vipQosSettings\":[\(vipQos)]}"),
            async("/flatnetworkprovider/vipqos/delete", "{\"vipQosSettings\":[\(vipQos)]}"),
            async("/flatnetworkprovider/vipqos/deleteall", "{\"vipQosSettings\":[\(vipQos)]}"),
            async("/flatnetworkprovider/dhcp/connect", #"{"kvmHostAddons":{}}"#),
            async("/flatnetworkprovider/dhcp/prepare", prepareDhcp),
            async("/flatnetworkprovider/dhcp/batchPrepare", #"{"dhcpInfos":[\#(prepareDhcp)]}"#),
            async("/flatnetworkprovider/dhcp/apply", #"{"dhcp":[\#(dhcpInfo)],"rebuild":false,"l3NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f"}"#),
            async("/flatnetworkprovider/dhcp/batchApply", #"{"dhcpInfos":[{"dhcp":[\#(dhcpInfo)],"rebuild":true,"l3NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f"}]}"#),
            async("/flatnetworkprovider/dhcp/release", #"{"dhcp":[\#(dhcpInfo)]}"#),
            async("/flatnetworkprovider/dhcp/resetDefaultGateway", #"{"bridgeNameOfGatewayToRemove":"hfzbr0","namespaceNameOfGatewayToRemove":"\#(flatNamespace)","gatewayToRemove":"10.89.0.1","macOfGatewayToRemove":"fa:16:3e:89:00:0a","gatewayToAdd":"10.89.0.1","macOfGatewayToAdd":"fa:16:3e:89:00:0b","bridgeNameOfGatewayToAdd":"hfzbr0","namespaceNameOfGatewayToAdd":"\#(flatNamespace)"}"#),
            async("/flatnetworkprovider/dhcp/deletenamespace", #"{"bridgeName":"hfzbr0","namespaceName":"\#(flatNamespace)"}"#),
            async("/flatnetworkprovider/dhcp/flush", #"{"bridgeName":"hfzbr0","namespaceName":"\#(flatNamespace)"}"#),
            async("/flatnetworkprovider/arping", #"{"bridgeName":"hfzbr0","namespaceName":"\#(flatNamespace)","targetIps":["10.89.0.10"]}"#),
            async("/flatnetworkprovider/userdata/apply", #"{"hostUuid":"h1","userdata":\#(userdataTO)}"#),
            async("/flatnetworkprovider/userdata/batchapply", #"{"userdata":[\#(userdataTO)],"rebuild":true}"#),
            async("/flatnetworkprovider/userdata/release", #"{"hostUuid":"h1","vmIp":"10.89.0.10","bridgeName":"hfzbr0","namespaceName":"\#(flatNamespace)"}"#),
            async("/flatnetworkprovider/userdata/cleanup", #"{"bridgeName":"hfzbr0","l3NetworkUuid":"f0e1d2c3b4a5968778695a4b3c2d1e0f","namespaceName":"\#(flatNamespace)"}"#),
        ] + [
            // Paths ZStack's KVM agent serves (kvm-paths.tsv) that this agent does not: 404, never a crash.
            "/vm/changevmpassword", "/vm/volume/takebackup", "/vm/hardenconsole", "/host/kvmagent/restart",
            "/ha/selffencer", "/vm/guesttools/install",
        ].map { CorpusEntry(path: $0, kind: .unserved, body: #"{"vmUuid":"\#(testDomain)","hostUuid":"h1"}"#) }
    }
}
