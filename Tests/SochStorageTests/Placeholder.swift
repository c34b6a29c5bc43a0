import XCTest
@testable import SochStorage
