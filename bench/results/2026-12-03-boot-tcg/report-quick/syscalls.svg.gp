set title 'System calls (median ns per call)'; set style data histograms;
set style histogram clustered gap 1; set style fill solid 0.6; set grid ytics;
set logscale y; set key top left; set xtics rotate by -20
plot for [i=2:4] 'syscalls.dat' using i:xtic(1) title columnheader(i)
