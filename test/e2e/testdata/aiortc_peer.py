#!/usr/bin/env python3
"""Far end for clue/channel's interop test: aiortc (1.4.0) as a full ICE
agent, DTLS-SRTP and SCTP peer.

Protocol (one JSON object per line):
  stdin : {"offer": "<sdp>", "stream_id": N}  then nothing; EOF ends the peer
  stdout: {"answer": "<sdp>"}
          {"event": "open"}                     CLUE channel usable
          {"event": "message", "len": n}        a CLUE message arrived (echoed back)
          {"event": "audio", "frames": n, "first_sample": s, "rate": r}
          {"event": "close"}                    the CLUE channel closed
          {"event": "error", "error": "..."}
Everything received on the negotiated CLUE channel is echoed back as a
string (PPID 51); one greeting "<aiortc-hello/>" is sent first. Audio
frames received on the PCMU track are decoded by aiortc; after 5 frames
the first sample of the first frame is reported. The peer sends its own
audio (aiortc's AudioStreamTrack: PCMU silence) to us.
"""
import asyncio
import json
import sys

import aioice.ice

# Loopback only: the Go side listens on 127.0.0.1, and aioice skips
# loopback addresses when gathering.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import (  # noqa: E402
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack  # noqa: E402


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main():
    loop = asyncio.get_event_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    req = json.loads(line)

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    channel = pc.createDataChannel(
        "CLUE", negotiated=True, id=req["stream_id"], protocol="CLUE", ordered=True
    )

    @channel.on("open")
    def on_open():
        emit({"event": "open"})
        channel.send("<aiortc-hello/>")

    @channel.on("message")
    def on_message(msg):
        if isinstance(msg, bytes):
            emit({"event": "error", "error": "binary message (PPID is not 51)"})
            return
        emit({"event": "message", "len": len(msg.encode("utf-8"))})
        channel.send(msg)

    @channel.on("close")
    def on_close():
        emit({"event": "close"})

    @pc.on("track")
    def on_track(track):
        if track.kind != "audio":
            return

        async def consume():
            frames = 0
            first = None
            rate = None
            try:
                while True:
                    frame = await track.recv()
                    frames += 1
                    if first is None:
                        arr = frame.to_ndarray()
                        first = int(arr.flatten()[0])
                        rate = frame.sample_rate
                    if frames == 5:
                        emit({"event": "audio", "frames": frames, "first_sample": first, "rate": rate})
            except Exception:
                pass

        asyncio.ensure_future(consume())

    pc.addTrack(AudioStreamTrack())
    await pc.setRemoteDescription(RTCSessionDescription(sdp=req["offer"], type="offer"))
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    emit({"answer": pc.localDescription.sdp})

    # Run until the Go side closes stdin.
    await loop.run_in_executor(None, sys.stdin.read)
    await pc.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as exc:  # report, then fail
        emit({"event": "error", "error": repr(exc)})
        sys.exit(1)
