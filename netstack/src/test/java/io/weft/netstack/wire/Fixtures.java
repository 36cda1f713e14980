package io.weft.netstack.wire;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Packets for tests. The TCP, UDP and ICMP port-unreachable packets were captured from the Linux
 * kernel on the loopback interface (ports 5555-5557); loopback leaves TCP/UDP checksums partial,
 * so those were recomputed by an independent script. The ICMP errors carry the kernel's own
 * checksums. The echo requests were written by hand per RFC 792 / RFC 4443.
 */
public final class Fixtures {
    public static final String TCP4_SYN =
            "4500003c0aa64000400632147f0000017f0000018b7815b39720b15b00000000a002ffd72a7500000204ffd70402080ac1827a5f000000000103030a";
    public static final String TCP4_SYN_ACK =
            "4500003c0000400040063cba7f0000017f00000115b38b783816e1c39720b15ca012ffcb99af00000204ffd70402080a30754671c1827a5f0103030a";
    public static final String TCP4_DATA =
            "450000390aa84000400632157f0000017f0000018b7815b39720b15c3816e1c4801800407e4f00000101080ac1827a5f3075467168656c6c6f";
    public static final String TCP6_SYN =
            "600f2b8c002806400000000000000000000000000000000100000000000000000000000000000001820e15b42e77552300000000a002ffc43d8100000204ffc40402080ada481aff000000000103030a";
    public static final String UDP4 =
            "450000241053400040112c747f0000017f000001a95215b50010d304776566742d756470";
    public static final String UDP6 =
            "600e9b35001111400000000000000000000000000000000100000000000000000000000000000001c16015b5001182f5776566742d75647036";
    public static final String ICMP4_PORT_UNREACHABLE =
            "45c00040298d00004001526e7f0000017f0000010303d00100000000450000241053400040112c747f0000017f000001a95215b50010fe23776566742d756470";
    public static final String ICMP6_PORT_UNREACHABLE =
            "600f0f5100413a400000000000000000000000000000000100000000000000000000000000000001010474dd00000000600e9b35001111400000000000000000000000000000000100000000000000000000000000000001c16015b500110024776566742d75647036";
    public static final String ICMP4_ECHO =
            "4500002401014000400125d60a0000010a00000208002e371234000170696e6764617461";
    public static final String ICMP6_ECHO =
            "6000000000103a40fd000000000000000000000000000001fd0000000000000000000000000000028000bbe71234000170696e6764617461";

    private Fixtures() {
    }

    public static ByteBuffer buffer(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    }

    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
