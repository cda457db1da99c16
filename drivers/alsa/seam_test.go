package alsa

import (
	"context"
	"testing"
	"unsafe"

	"github.com/cluecam/cluecam/drivers/internal/ioctl/ioctltest"
	"github.com/cluecam/cluecam/hw"
)

// TestFakeCatchesWrongReadi proves the playback fake checks what the driver
// passes: READI_FRAMES scripted for another frame count fails the test,
// while the sample buffer pointer, which differs every run, is not
// compared (the step's hook follows it to write the samples).
func TestFakeCatchesWrongReadi(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   xferi
		want []string
	}{
		{"as sent", xferi{frames: 320}, nil},
		{"buffer pointer", xferi{frames: 320, buf: unsafe.Pointer(&[1]int16{})}, nil},
		{"frames", xferi{frames: 319}, []string{"SNDRV_PCM_IOCTL_READI_FRAMES argument differs"}},
		{"result", xferi{frames: 320, result: 1}, []string{"SNDRV_PCM_IOCTL_READI_FRAMES argument differs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			catch := ioctltest.NewCatch(t)
			fk := ioctltest.New(catch, IoctlName, openSteps()...)
			c, err := OpenCapture("hw:0,0", testOpts(fk, nil))
			if err != nil {
				t.Fatal(err)
			}
			fk.Add(startSteps(mono16, 320)...)
			if err := c.Start(hw.AudioConfig{Format: mono16}); err != nil {
				t.Fatal(err)
			}
			read := readi(t, 1, 320, 320, 5)
			read.In = ioctltest.Bytes(&tc.in)
			fk.Add(read, delayStep(0))
			dst := make([]int16, 320)
			if _, err := c.ReadPeriod(context.Background(), dst); err != nil || dst[319] != 5+319 {
				t.Errorf("ReadPeriod: %v, last sample %d", err, dst[319])
			}
			fk.Add(closeSteps(true)...)
			c.Close()
			catch.Want(tc.want...)
		})
	}
}
