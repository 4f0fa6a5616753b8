package billing

var harnessToken = "pat.jmexusrktv9t7cf4cn41mm.kn8obfxwfnhi7mt8jt4e5s0s.krapnob7dhfke7vdpudy"
