package hw_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cluecam/cluecam/hw"
	"github.com/cluecam/cluecam/hw/hwtest"
)

func TestInventory(t *testing.T) {
	ctx := context.Background()
	cam := hw.DeviceInfo{ID: "/dev/video0", Driver: "v4l2", Kind: hw.KindVideo, Caps: hw.CapKeyframe | hw.CapBitrate}
	mic := hw.DeviceInfo{ID: "hw:0,0", Driver: "alsa", Kind: hw.KindAudio}
	head := hw.DeviceInfo{ID: "visca:/dev/ttyUSB0", Driver: "visca", Kind: hw.KindPTZ}
	video := hwtest.NewVideo(t, cam)
	v4l2 := &hwtest.Provider{ProviderName: "v4l2", Devices: []hw.DeviceInfo{cam}, Video: map[string]hw.VideoSource{cam.ID: video}}
	alsa := &hwtest.Provider{ProviderName: "alsa", Devices: []hw.DeviceInfo{mic}, ScanErr: errors.New("card 1: permission denied")}
	visca := &hwtest.Provider{ProviderName: "visca", Devices: []hw.DeviceInfo{head, {ID: "/dev/video0", Driver: "visca"}},
		PTZ: map[string]hw.PTZ{head.ID: hwtest.NewPTZ(t, hwtest.PTZConfig{Info: head})}}
	inv := hw.NewInventory(v4l2, alsa, visca)

	devs, err := inv.Devices(ctx)
	if err == nil || err.Error() != "hw: provider alsa: card 1: permission denied" {
		t.Errorf("scan error %v", err)
	}
	if len(devs) != 3 || devs[0].ID != cam.ID || devs[1].ID != mic.ID || devs[2].ID != head.ID {
		t.Errorf("devices %v", devs)
	}
	if devs[0].Caps.String() != "keyframe,bitrate" {
		t.Error(devs[0].Caps)
	}
	v, err := inv.OpenVideo(ctx, "/dev/video0")
	if err != nil || v != hw.VideoSource(video) {
		t.Errorf("OpenVideo: %v", err)
	}
	if _, err := inv.OpenAudio(ctx, "/dev/video0"); !errors.Is(err, hw.ErrWrongKind) {
		t.Errorf("wrong kind: %v", err)
	}
	if _, err := inv.OpenVideo(ctx, "hw:9,9"); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
	if p, err := inv.OpenPTZ(ctx, head.ID); err != nil || p.Info().ID != head.ID {
		t.Errorf("OpenPTZ: %v", err)
	}
	if _, err := inv.OpenAudio(ctx, mic.ID); !errors.Is(err, hw.ErrNotFound) {
		t.Errorf("audio with no fake: %v", err)
	}
	if len(inv.Providers()) != 3 {
		t.Error("Providers")
	}
}

func TestInventoryWatch(t *testing.T) {
	hp := &hwtest.HotplugProvider{Provider: hwtest.Provider{ProviderName: "v4l2"}, Events: make(chan hw.Event)}
	inv := hw.NewInventory(&hwtest.Provider{ProviderName: "synthetic"}, hp)
	ctx, cancel := context.WithCancel(context.Background())
	events := inv.Watch(ctx)
	cam := hw.DeviceInfo{ID: "/dev/video2", Kind: hw.KindVideo}
	hp.Events <- hw.Event{Kind: hw.DeviceAdded, Device: cam}
	hp.Events <- hw.Event{Kind: hw.DeviceRemoved, Device: cam}
	for _, want := range []hw.EventKind{hw.DeviceAdded, hw.DeviceRemoved} {
		select {
		case e := <-events:
			if e.Kind != want || e.Device.ID != cam.ID {
				t.Errorf("event %v %v, want %v", e.Kind, e.Device.ID, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	cancel()
	for range events { // closed after cancel
	}
	if hw.DeviceAdded.String() != "added" || hw.KindPTZ.String() != "ptz" {
		t.Error("String")
	}
}
