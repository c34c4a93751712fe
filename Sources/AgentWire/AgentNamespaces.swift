// One namespace per agent holds what the management node, the deployer and the agent must agree on: the
// default port (the MN's global properties), the echo path the MN and the deployer poll after a deploy, and
// the path of every command. The wire types live in the same namespaces (`KVM.StartVmCmd`,
// `SftpBackupStorage.DownloadCmd`, `VR.SetSNATCmd`), so one name is never spelled three ways.
//
// The virtual router's namespace is `VR`, not `VirtualRouter`: that is the name of the router actor in
// VirtualRouterAgent, whose code uses both.

/// The KVM host agent (`KVMConstant`, `KVMAgentCommands.java`).
public enum KVM {
    public static let defaultPort = 7070
    public static let echoPath = Path.echo

    public enum Path {
        public static let echo = "/host/echo"
        public static let connect = "/host/connect"
        public static let ping = "/host/ping"
        public static let updateConfiguration = "/host/update/configuration"
        public static let capacity = "/host/capacity"
        public static let fact = "/host/fact"
        public static let checkFile = "/host/checkfile"
        public static let checkPhysicalNetworkInterface = "/network/checkphysicalnetworkinterface"

        public static let createBridge = "/network/l2novlan/createbridge"
        public static let createVlanBridge = "/network/l2vlan/createbridge"
        public static let checkBridge = "/network/l2novlan/checkbridge"
        public static let checkVlanBridge = "/network/l2vlan/checkbridge"
        public static let deleteBridge = "/network/l2novlan/deletebridge"
        public static let deleteVlanBridge = "/network/l2vlan/deletebridge"
        public static let addInterfaceToBridge = "/network/bridge/addif"

        public static let startVm = "/vm/start"
        public static let stopVm = "/vm/stop"
        public static let rebootVm = "/vm/reboot"
        public static let destroyVm = "/vm/destroy"
        public static let pauseVm = "/vm/pause"
        public static let resumeVm = "/vm/resume"
        public static let vmSync = "/vm/vmsync"
        public static let checkVmState = "/vm/checkstate"
        public static let getVncPort = "/vm/getvncport"
        public static let attachDataVolume = "/vm/attachdatavolume"
        public static let detachDataVolume = "/vm/detachdatavolume"
        public static let attachNic = "/vm/attachnic"
        public static let detachNic = "/vm/detachnic"
        public static let changeCpuMemory = "/vm/online/changecpumem"
        public static let migrateVm = "/vm/migrate"
        public static let cancelJob = "/job/cancel"
        public static let syncVmDeviceInfo = "/sync/vm/deviceinfo"
        public static let getVmDeviceAddress = "/vm/getdeviceaddress"
        public static let increaseCpu = "/vm/increase/cpu"
        public static let increaseMemory = "/vm/increase/mem"
        public static let attachIso = "/vm/iso/attach"
        public static let detachIso = "/vm/iso/detach"
        public static let updateNic = "/vm/updatenic"
        public static let changeNicState = "/vm/changenicstate"
        public static let updateVmPriority = "/vm/priority"
        public static let volumeSync = "/vm/volumesync"

        public static let localStorageInit = "/localstorage/init"
        public static let localStoragePhysicalCapacity = "/localstorage/getphysicalcapacity"
        public static let localStorageCreateEmptyVolume = "/localstorage/volume/createempty"
        public static let localStorageCreateVolumeFromCache = "/localstorage/volume/createvolumefromcache"
        public static let localStorageCreateVolumeWithBacking = "/localstorage/volume/createwithbacking"
        public static let localStorageDelete = "/localstorage/delete"
        public static let localStorageCheckBits = "/localstorage/checkbits"
        public static let localStorageGetVolumeSize = "/localstorage/volume/getsize"
        public static let localStorageSftpDownload = "/localstorage/sftp/download"
        public static let localStorageSftpUpload = "/localstorage/sftp/upload"

        public static let takeVolumeSnapshot = "/vm/volume/takesnapshot"
        public static let checkVolumeSnapshot = "/vm/volume/checksnapshot"
        public static let mergeVolumeSnapshot = "/vm/volume/mergesnapshot"
        public static let blockCommitVolume = "/vm/volume/blockcommit"
        public static let getVirtualizerInfo = "/vm/getvirtualizerinfo"
        public static let updateDependency = "/host/updatedependency"
        public static let shutdownHost = "/host/shutdown"
        public static let rebootHost = "/host/reboot"
        public static let updateVlanBridge = "/network/l2vlan/updatebridge"
        public static let hardenConsole = "/vm/console/harden"
        public static let deleteConsoleFirewall = "/vm/console/deletefirewall"
        public static let cleanFirmwareFlash = "/clean/firmware/flash"
    }

    /// Paths on the management node the agent posts to (under its `sendCommandUrl`).
    public enum ManagementNodePath {
        public static let reportVmState = "/kvm/reportvmstate"
        public static let reconnectMe = "/kvm/reconnectme"
        public static let reportVmStart = "/kvm/reportvmstart"
        public static let reportVmShutdown = "/kvm/reportvmshutdown"
        public static let reportVmShutdownFromGuest = "/kvm/reportvmshutdown/from/guest"
        public static let reportVmReboot = "/kvm/reportvmreboot"
        public static let reportVmCrash = "/kvm/reportvmcrash"
    }
}

/// The SFTP backup-storage agent (`SftpBackupStorageConstant`); its paths are `SftpBackupStorage.Path`.
public enum SftpBackupStorage {
    public static let defaultPort = 7171
    public static let echoPath = Path.echo
}

/// The virtual-router agent (`VirtualRouterConstant`).
public enum VR {
    public static let defaultPort = 7272
    public static let echoPath = Path.echo

    public enum Path {
        public static let echo = "/echo"
        public static let initialize = "/init"
        public static let ping = "/ping"
        public static let configureNic = "/configurenic"
        public static let addDhcp = "/adddhcp"
        public static let removeDhcp = "/removedhcp"
        public static let setDns = "/setdns"
        public static let removeDns = "/removedns"
        public static let setSNAT = "/setsnat"
        public static let removeSNAT = "/removesnat"
        public static let syncSNAT = "/syncsnat"
        public static let createVip = "/createvip"
        public static let removeVip = "/removevip"
        public static let createEip = "/createeip"
        public static let removeEip = "/removeeip"
        public static let syncEip = "/synceip"
        public static let createPortForwarding = "/createportforwarding"
        public static let revokePortForwarding = "/revokeportforwarding"
        public static let syncPortForwarding = "/syncportforwarding"
        public static let refreshLb = "/lb/refresh"
        public static let deleteLb = "/lb/delete"
    }
}
